using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// Controlled rebinding through the real HostInfoIntake, HostBinding and LicenseService, on SQLite and PostgreSQL: a
/// second host's host info is a request an administrator approves or denies; until then the first host stays licensed.
/// </summary>
public sealed class ControlledRebindingTests
{
    internal const string Name = "alice-01";
    internal const string SecondMac = "52:54:00:00:0b:0b";
    internal const string SecondSerial = "VMware-42 bb bb bb";

    internal static async Task<(PortalServices Portal, PortalActor Alice, PortalActor Admin)> StartAsync(DatabaseProvider provider, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var portal = await PortalServices.StartAsync(provider, settings: settings);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        return (portal, alice, await portal.AdminAsync());
    }

    internal static Task<ServiceResult<HostInfoOutcome>> UploadSecondAsync(PortalServices portal, PortalActor actor, HostKey key) =>
        portal.Get<HostInfoIntake>().UploadAsync(actor, Name, HostInfo(Name, key, SecondMac, SecondSerial));

    internal static async Task<List<string>> AuditActionsAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        // What happened to the instance after it was created.
        return await db.AuditEntries.Where(e => e.TargetKey == Name && e.Action != "instance.create").OrderBy(e => e.Id).Select(e => e.Action).ToListAsync();
    }

    private static async Task<string> GenerateAsync(PortalServices portal, PortalActor actor)
    {
        var license = await portal.Get<LicenseService>().GenerateAsync(actor, Name, Address);
        Assert.True(license.Succeeded, Why(license));
        return license.Value!.FileText;
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_second_hosts_upload_leaves_the_instance_on_the_first_host_until_an_administrator_approves(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider);
        await using var _portal = portal;
        var first = HostKey.Generate();
        var second = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, first);
        var firstLicense = await GenerateAsync(portal, alice);
        var before = await SnapshotAsync(portal, Name);

        var upload = await UploadSecondAsync(portal, alice, second);

        Assert.True(upload.Succeeded, Why(upload));
        Assert.Equal((false, true, HostInfoBinding.HoldForApproval, InstanceStatus.TODOWNLOAD), (upload.Value!.Accepted, upload.Value.Pending, upload.Value.Binding, upload.Value.Status));
        var held = await SnapshotAsync(portal, Name);
        Assert.Equal(before with { Version = held.Version, UpdatedAt = held.UpdatedAt }, held);
        var view = await portal.Get<HostBinding>().GetAsync(admin, Name);
        Assert.Equal((second.Fingerprint, SecondMac, SecondSerial, "alice"), (view!.Pending!.HostKeyFingerprint, view.Pending.Mac, view.Pending.SerialNumber, view.Pending.UploadedBy));
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime, view.Pending.UploadedAt);
        Assert.True(view.Instance.RebindPending);
        // The first host's license still verifies, and a download now is still for the first host.
        Assert.True(Verify(portal, firstLicense, first).IsValid);
        Assert.True(Verify(portal, await GenerateAsync(portal, alice), first).IsValid);

        var approved = await portal.Get<HostBinding>().ApproveAsync(admin, Name, second.Fingerprint);

        Assert.True(approved.Succeeded, Why(approved));
        Assert.Null(approved.Value!.Pending);
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal((second.Fingerprint, SecondMac, SecondSerial, InstanceStatus.TODOWNLOAD), (after.HostKeyFingerprint, after.Mac, after.SerialNumber, after.Status));
        var next = await GenerateAsync(portal, alice);
        Assert.True(Verify(portal, next, second, SecondMac, SecondSerial).IsValid);
        Assert.False(Verify(portal, next, first).IsValid);
        Assert.Equal(["hostinfo.upload", "license.generate", AuditLog.RebindRequested, "license.download", AuditLog.RebindApproved, "license.generate"], await AuditActionsAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Denying_the_second_host_keeps_the_first_and_clears_the_request(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider);
        await using var _portal = portal;
        var first = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, first);
        Assert.True((await UploadSecondAsync(portal, alice, HostKey.Generate())).Value!.Pending);

        var denied = await portal.Get<HostBinding>().DenyAsync(admin, Name);

        Assert.True(denied.Succeeded, Why(denied));
        Assert.Null(denied.Value!.Pending);
        Assert.False(denied.Value.Instance.RebindPending);
        Assert.Equal(first.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
        Assert.True(Verify(portal, await GenerateAsync(portal, alice), first).IsValid);
        Assert.Equal(HostBinding.NoPendingHost, ErrorCode(await portal.Get<HostBinding>().ApproveAsync(admin, Name)));
        Assert.Contains(AuditLog.RebindDenied, await AuditActionsAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Only_administrators_decide_a_rebind_request(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider);
        await using var _portal = portal;
        var support = await portal.CreateUserAsync("sam", PortalRole.Support);
        var first = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, first);
        await UploadSecondAsync(portal, alice, HostKey.Generate());
        var binding = portal.Get<HostBinding>();

        Assert.Equal(Failure.Forbidden, (await binding.ApproveAsync(alice, Name)).Failure);
        Assert.Equal(Failure.Forbidden, (await binding.DenyAsync(alice, Name)).Failure);
        Assert.Equal(Failure.Forbidden, (await binding.ApproveAsync(support, Name)).Failure);
        Assert.Equal(Failure.Forbidden, (await binding.SetToleranceAsync(alice, Name, 0)).Failure);
        Assert.Equal(Failure.NotFound, (await binding.ApproveAsync(admin, "nobody-01")).Failure);

        var view = await binding.GetAsync(alice, Name);
        Assert.NotNull(view!.Pending);
        Assert.Equal(first.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
        Assert.DoesNotContain(AuditLog.RebindApproved, await AuditActionsAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_later_request_replaces_the_pending_one_and_approving_what_was_reviewed_is_refused_when_it_changed(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider);
        await using var _portal = portal;
        await UploadValidAsync(portal, alice, Name, HostKey.Generate());
        var reviewed = HostKey.Generate();
        var later = HostKey.Generate();
        await UploadSecondAsync(portal, alice, reviewed);
        portal.Time.Advance(TimeSpan.FromMinutes(3));

        await UploadSecondAsync(portal, admin, later);

        var binding = portal.Get<HostBinding>();
        var pending = (await binding.GetAsync(admin, Name))!.Pending!;
        Assert.Equal((later.Fingerprint, "admin", portal.Time.GetUtcNow().UtcDateTime), (pending.HostKeyFingerprint, pending.UploadedBy, pending.UploadedAt));
        var stale = await binding.ApproveAsync(admin, Name, reviewed.Fingerprint);
        Assert.Equal((Failure.Conflict, HostBinding.PendingHostChanged), (stale.Failure, ErrorCode(stale)));
        Assert.Equal(later.Fingerprint, stale.Value!.Pending!.HostKeyFingerprint);
        Assert.True((await binding.ApproveAsync(admin, Name, later.Fingerprint)).Succeeded);
        Assert.Equal(later.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_same_host_key_with_a_new_network_card_binds_without_approval(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, _) = await StartAsync(provider);
        await using var _portal = portal;
        var key = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, key);

        var upload = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, key, mac: SecondMac));

        Assert.Equal((true, HostInfoBinding.Bind), (upload.Value!.Accepted, upload.Value.Binding));
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal((key.Fingerprint, SecondMac), (after.HostKeyFingerprint, after.Mac));
        Assert.False(upload.Value.Instance.RebindPending);
        Assert.Equal(["hostinfo.upload", "hostinfo.upload"], await AuditActionsAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Two_administrators_approving_at_once_move_the_instance_once(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider);
        await using var _portal = portal;
        await UploadValidAsync(portal, alice, Name, HostKey.Generate());
        var second = HostKey.Generate();
        await UploadSecondAsync(portal, alice, second);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => portal.Get<HostBinding>().ApproveAsync(admin, Name))));

        Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(HostBinding.NoPendingHost, ErrorCode(r)));
        Assert.Single(await AuditActionsAsync(portal), a => a == AuditLog.RebindApproved);
        Assert.Equal(second.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
    }
}
