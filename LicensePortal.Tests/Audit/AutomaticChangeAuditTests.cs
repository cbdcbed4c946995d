using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Audit;

/// <summary>
/// Changes the portal makes by itself (expiry, the end of a download cool-down), by the background sweep or when a
/// download touches the instance, are in the audit trail as the system's, committed with the change, once each even
/// when several nodes sweep at the same moment.
/// </summary>
public sealed class AutomaticChangeAuditTests
{
    private const string Cooling = "alice-01";
    private const string Broken = "alice-02";

    private static async Task<List<AuditEntry>> EntriesAsync(PortalServices portal, string action)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Id).ToListAsync();
    }

    private static JsonElement Json(string? text) => JsonDocument.Parse(text ?? throw new InvalidOperationException("no JSON")).RootElement;

    private static (string Status, string Reason) State(string? json) =>
        (Json(json).GetProperty("status").GetString()!, Json(json).GetProperty("statusReason").GetString()!);

    /// <summary>Six downloads in a row: the sixth puts the instance in DOWNLOADERROR (TooManyDownloads).</summary>
    private static async Task DownloadUntilDownloadErrorAsync(PortalServices portal, PortalActor owner, string name)
    {
        var licenses = portal.Get<LicenseService>();
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await licenses.GenerateAsync(owner, name, Address)).Succeeded);
        }
        Assert.Equal("License.TooManyDownloads", ErrorCode(await licenses.GenerateAsync(owner, name, Address)));
    }

    private static void AssertSystem(AuditEntry entry, DateTime at)
    {
        Assert.Equal(("", PortalActor.System.UserName, "", "instance"), (entry.ActorUserId, entry.ActorUserName, entry.RemoteAddress, entry.TargetType));
        Assert.Equal("(system)", entry.ActorUserName);
        Assert.Equal(at, entry.At);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_sweep_records_each_change_as_the_system_with_the_state_before_and_after(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Cooling, alice);
        await portal.CreateInstanceAsync(Broken, alice);
        await UploadValidAsync(portal, alice, Cooling, HostKey.Generate());
        await DownloadUntilDownloadErrorAsync(portal, alice, Cooling);
        // alice-02: host info for another instance (INFOERROR with its reason), and its last valid day is today.
        Assert.False((await portal.Get<HostInfoIntake>().UploadAsync(alice, Broken, HostInfo("someone-else", HostKey.Generate()))).Value!.Accepted);
        var today = DateOnly.FromDateTime(portal.Time.GetUtcNow().UtcDateTime);
        await UpdateAsync(portal, Broken, q => q with { ExpiresOn = today });
        var sweeper = portal.Get<InstanceStatusSweeper>();

        portal.Time.Advance(TimeSpan.FromMinutes(10));
        var coolDownAt = portal.Time.GetUtcNow().UtcDateTime;
        Assert.Equal(1, await sweeper.SweepAsync());
        portal.Time.Advance(TimeSpan.FromDays(1));
        var expiryAt = portal.Time.GetUtcNow().UtcDateTime;
        Assert.Equal(1, await sweeper.SweepAsync());
        Assert.Equal(0, await sweeper.SweepAsync());

        var coolDown = Assert.Single(await EntriesAsync(portal, AuditLog.InstanceCoolDownEnd));
        AssertSystem(coolDown, coolDownAt);
        Assert.Equal(Cooling, coolDown.TargetKey);
        Assert.Equal(("DOWNLOADERROR", "License.TooManyDownloads"), State(coolDown.Before));
        Assert.Equal(("TODOWNLOAD", ""), State(coolDown.After));
        Assert.Equal("sweep", Json(coolDown.After).GetProperty("trigger").GetString());
        var expiry = Assert.Single(await EntriesAsync(portal, AuditLog.InstanceExpire));
        AssertSystem(expiry, expiryAt);
        Assert.Equal(Broken, expiry.TargetKey);
        Assert.Equal(("INFOERROR", "HostInfo.OtherInstance"), State(expiry.Before));
        Assert.Equal(("EXPIRED", ""), State(expiry.After));
        Assert.Equal((InstanceStatus.TODOWNLOAD, InstanceStatus.EXPIRED), ((await SnapshotAsync(portal, Cooling)).Status, (await SnapshotAsync(portal, Broken)).Status));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_sweep_whose_audit_entries_cannot_be_written_changes_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Cooling, alice);
        await UploadValidAsync(portal, alice, Cooling, HostKey.Generate());
        await DownloadUntilDownloadErrorAsync(portal, alice, Cooling);
        portal.Time.Advance(TimeSpan.FromMinutes(10));
        var before = await SnapshotAsync(portal, Cooling);
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // A stand-in for any failure of the audit write (disk full, a constraint): the database refuses new entries.
            await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Postgres
                ? """
                  CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test: no audit'; END; $$;
                  CREATE TRIGGER test_refuse_audit BEFORE INSERT ON "AuditEntries" FOR EACH ROW EXECUTE FUNCTION test_refuse_audit();
                  """
                : """CREATE TRIGGER test_refuse_audit BEFORE INSERT ON "AuditEntries" BEGIN SELECT RAISE(ABORT, 'test: no audit'); END;""");
        }

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => portal.Get<InstanceStatusSweeper>().SweepAsync());

        Assert.Equal(before, await SnapshotAsync(portal, Cooling));
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Postgres
                ? """DROP TRIGGER test_refuse_audit ON "AuditEntries";"""
                : "DROP TRIGGER test_refuse_audit;");
        }
        Assert.Equal(1, await portal.Get<InstanceStatusSweeper>().SweepAsync());
        Assert.Single(await EntriesAsync(portal, AuditLog.InstanceCoolDownEnd));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_download_that_applies_a_time_rule_records_it_as_the_system_naming_the_download(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = (await portal.CreateUserAsync("alice")) with { RemoteAddress = Address };
        await portal.CreateInstanceAsync(Cooling, alice);
        await UploadValidAsync(portal, alice, Cooling, HostKey.Generate());
        await DownloadUntilDownloadErrorAsync(portal, alice, Cooling);
        var licenses = portal.Get<LicenseService>();
        portal.Time.Advance(TimeSpan.FromMinutes(10));
        var coolDownAt = portal.Time.GetUtcNow().UtcDateTime;

        Assert.True((await licenses.GenerateAsync(alice, Cooling, Address)).Succeeded);
        var expiresOn = (await portal.Get<InstanceService>().FindByNameAsync(alice, Cooling))!.ExpiresOn;
        portal.Time.SetUtcNow(new DateTimeOffset(expiresOn.AddDays(1).ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero));
        var expiryAt = portal.Time.GetUtcNow().UtcDateTime;
        Assert.Equal("License.Expired", ErrorCode(await licenses.LatestAsync(alice, Cooling, Address)));

        var coolDown = Assert.Single(await EntriesAsync(portal, AuditLog.InstanceCoolDownEnd));
        AssertSystem(coolDown, coolDownAt);
        Assert.Equal(("DOWNLOADERROR", "License.TooManyDownloads"), State(coolDown.Before));
        Assert.Equal(("TODOWNLOAD", ""), State(coolDown.After));
        Assert.Equal(("license.generate", "alice"), (Json(coolDown.After).GetProperty("trigger").GetString(), Json(coolDown.After).GetProperty("triggeredBy").GetString()));
        // The rule's entry comes before the download it made possible, in the same save.
        var download = (await EntriesAsync(portal, "license.download")).Last();
        Assert.True(coolDown.Id < download.Id && download.At == coolDownAt);
        var expiry = Assert.Single(await EntriesAsync(portal, AuditLog.InstanceExpire));
        AssertSystem(expiry, expiryAt);
        Assert.Equal(("TODOWNLOAD", "EXPIRED"), (State(expiry.Before).Status, State(expiry.After).Status));
        Assert.Equal(("license.download", "alice"), (Json(expiry.After).GetProperty("trigger").GetString(), Json(expiry.After).GetProperty("triggeredBy").GetString()));
        Assert.Equal(InstanceStatus.EXPIRED, (await SnapshotAsync(portal, Cooling)).Status);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Two_nodes_sweeping_at_once_change_and_record_each_instance_once(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var nodeA = await PortalServices.StartAsync(provider, shared: database);
        await using var nodeB = await PortalServices.StartAsync(provider, shared: database);
        var alice = await nodeA.CreateUserAsync("alice");
        var now = nodeA.Time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        // More than two batches of each rule, so the nodes meet over and over: expired yesterday, or cooled down.
        const int Expiring = 1200;
        const int CoolingDown = 1100;
        await using (var db = await nodeA.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            for (var n = 0; n < Expiring + CoolingDown; n++)
            {
                var expiring = n < Expiring;
                var name = $"bulk-{n:D5}";
                db.Instances.Add(new Instance
                {
                    Name = name,
                    NormalizedName = InstanceRules.Normalize(name),
                    OwnerId = alice.UserId,
                    Status = expiring ? InstanceStatus.TODOWNLOAD : InstanceStatus.DOWNLOADERROR,
                    StatusReason = expiring ? "" : "License.TooManyDownloads",
                    ExpiresOn = expiring ? today.AddDays(-1) : today.AddYears(1),
                    StatusChangedAt = now.AddHours(-1),
                    CreatedAt = now,
                    UpdatedAt = now,
                    Version = Guid.NewGuid(),
                });
            }
            await db.SaveChangesAsync();
        }
        var sweepA = nodeA.Get<InstanceStatusSweeper>();
        var sweepB = nodeB.Get<InstanceStatusSweeper>();

        var counts = await Task.WhenAll(Task.Run(() => sweepA.SweepAsync()), Task.Run(() => sweepB.SweepAsync()));

        Assert.Equal(Expiring + CoolingDown, counts.Sum());
        await using (var db = await nodeA.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var states = await db.Instances.AsNoTracking().GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
            Assert.Equal(new Dictionary<InstanceStatus, int> { [InstanceStatus.EXPIRED] = Expiring, [InstanceStatus.TODOWNLOAD] = CoolingDown }, states);
            var entries = await db.AuditEntries.AsNoTracking().Where(e => e.ActorUserName == PortalActor.System.UserName)
                .Select(e => new { e.Action, e.TargetKey }).ToListAsync();
            Assert.Equal(Expiring + CoolingDown, entries.Count);
            Assert.Equal(entries.Count, entries.Select(e => e.TargetKey).Distinct().Count());
            Assert.Equal(Expiring, entries.Count(e => e.Action == AuditLog.InstanceExpire && string.CompareOrdinal(e.TargetKey, $"bulk-{Expiring:D5}") < 0));
            Assert.Equal(CoolingDown, entries.Count(e => e.Action == AuditLog.InstanceCoolDownEnd));
        }
        Assert.Equal((0, 0), (await sweepA.SweepAsync(), await sweepB.SweepAsync()));
    }
}
