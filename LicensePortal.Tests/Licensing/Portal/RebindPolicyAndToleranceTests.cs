using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static LicensePortal.Tests.Licensing.Portal.ControlledRebindingTests;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>Licensing:RebindPolicy (automatic rebinds per 30 days) and the administrators' host identifier tolerance, on SQLite and PostgreSQL.</summary>
public sealed class RebindPolicyAndToleranceTests
{
    private static readonly Dictionary<string, string?> OneAutomaticRebind = new() { ["Licensing:RebindPolicy"] = "1" };

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_policy_of_one_allows_one_automatic_rebind_in_30_days_then_holds_the_next_for_approval(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider, OneAutomaticRebind);
        await using var _portal = portal;
        await UploadValidAsync(portal, alice, Name, HostKey.Generate());
        var second = HostKey.Generate();
        var third = HostKey.Generate();

        var moved = await UploadSecondAsync(portal, alice, second);
        portal.Time.Advance(TimeSpan.FromDays(29));
        var held = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, third));

        Assert.Equal((true, HostInfoBinding.AutomaticRebind), (moved.Value!.Accepted, moved.Value.Binding));
        Assert.Equal((false, true), (held.Value!.Accepted, held.Value.Pending));
        Assert.Equal(second.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
        Assert.Equal(third.Fingerprint, (await portal.Get<HostBinding>().GetAsync(admin, Name))!.Pending!.HostKeyFingerprint);

        // 30 days after the automatic rebind the policy allows another; the third host's own request is answered by it.
        portal.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var again = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, third));

        Assert.Equal(HostInfoBinding.AutomaticRebind, again.Value!.Binding);
        Assert.False(again.Value.Instance.RebindPending);
        Assert.Equal(third.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
        Assert.Equal(["hostinfo.upload", AuditLog.RebindAutomatic, AuditLog.RebindRequested, AuditLog.RebindAutomatic], await AuditActionsAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Without_a_policy_every_other_host_waits_for_approval(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, _) = await StartAsync(provider);
        await using var _portal = portal;
        var first = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, first);

        var held = await UploadSecondAsync(portal, alice, HostKey.Generate());

        Assert.Equal(HostInfoBinding.HoldForApproval, held.Value!.Binding);
        Assert.Equal(first.Fingerprint, (await SnapshotAsync(portal, Name)).HostKeyFingerprint);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_administrator_sets_the_tolerance_and_the_next_license_carries_it(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice, admin) = await StartAsync(provider);
        await using var _portal = portal;
        var key = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, key);
        Assert.True((await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)).Succeeded);

        var strict = await portal.Get<HostBinding>().SetToleranceAsync(admin, Name, 0);
        var license = await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address);

        Assert.True(strict.Succeeded, Why(strict));
        Assert.Equal((0, strict.Value!.Identifiers.Count), (strict.Value.Tolerance, strict.Value.RequiredMatches));
        Assert.Equal((2, true), (license.Value!.Revision, license.Value.NewRevision));
        var verified = Verify(portal, license.Value.FileText, key);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal(strict.Value.Identifiers.Count, verified.Content!.RequiredHostMatches);
        // Strict: a host that lost one of its identifiers (its network card) no longer passes.
        Assert.False(Verify(portal, license.Value.FileText, key, mac: ControlledRebindingTests.SecondMac).IsValid);
        Assert.Contains(AuditLog.ToleranceChanged, await AuditActionsAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_tolerance_outside_0_to_4_is_refused_and_changes_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, _, admin) = await StartAsync(provider);
        await using var _portal = portal;
        var before = await SnapshotAsync(portal, Name);

        foreach (var bad in new[] { -1, Instance.MaxHostIdentifierTolerance + 1, int.MaxValue })
        {
            var result = await portal.Get<HostBinding>().SetToleranceAsync(admin, Name, bad);
            Assert.Equal(Failure.Invalid, result.Failure);
            var error = Assert.Single(result.Errors);
            Assert.Equal(("HostIdentifierTolerance", HostBinding.ToleranceOutOfRange), (error.Field, error.Code));
            Assert.Equal([0, Instance.MaxHostIdentifierTolerance], error.Arguments);
        }
        var same = await portal.Get<HostBinding>().SetToleranceAsync(admin, Name, Instance.DefaultHostIdentifierTolerance);

        Assert.True(same.Succeeded);
        Assert.Equal(before, await SnapshotAsync(portal, Name));
        Assert.DoesNotContain(AuditLog.ToleranceChanged, await AuditActionsAsync(portal));
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(Instance.DefaultHostIdentifierTolerance, await db.Instances.Where(i => i.Name == Name).Select(i => i.HostIdentifierTolerance).SingleAsync());
    }
}
