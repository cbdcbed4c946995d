using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// Downloads by support staff and administrators through the real LicenseService, on SQLite and PostgreSQL: far past the
/// download limit they leave the state, the download count and the version alone, are recorded (history and audit trail,
/// marked as staff), and the customer's own downloads still count to the limit as before. The customer's view of the
/// history shows staff without name or address; staff see both.
/// </summary>
public sealed class StaffDownloadsDoNotCountAgainstTheCustomer
{
    private const string Name = "alice-01";
    private const string StaffAddress = "198.51.100.23";

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Staff_download_past_the_limit_and_the_customer_still_has_every_download_of_the_limit(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var limit = portal.Get<IOptions<LicensingOptions>>().Value.DownloadLimit;
        var alice = await portal.CreateUserAsync("alice");
        var sam = await portal.CreateUserAsync("sam", PortalRole.Support);
        var ada = await portal.CreateUserAsync("ada", PortalRole.Administrator);
        await portal.CreateInstanceAsync(Name, alice);
        var key = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, key);
        var licenses = portal.Get<LicenseService>();
        Assert.True((await licenses.GenerateAsync(alice, Name, Address)).Succeeded);
        var before = await SnapshotAsync(portal, Name);

        for (var i = 0; i < limit * 2; i++)
        {
            var latest = await licenses.LatestAsync(sam, Name, StaffAddress);
            Assert.True(latest.Succeeded, Why(latest));
            var generated = await licenses.GenerateAsync(ada, Name, StaffAddress);
            Assert.True(generated.Succeeded, Why(generated));
            Assert.True(Verify(portal, generated.Value!.FileText, key).IsValid);
        }

        var after = await SnapshotAsync(portal, Name);
        Assert.Equal(before with { DownloadRows = before.DownloadRows + limit * 4 }, after); // state, count and version as they were

        // The customer: one download so far, so limit - 1 more are served and the next starts DOWNLOADERROR, as always.
        for (var i = 1; i < limit; i++)
        {
            var own = await licenses.LatestAsync(alice, Name, Address);
            Assert.True(own.Succeeded, $"customer download {i + 1}: {Why(own)}");
        }
        Assert.Equal((InstanceStatus.TODOWNLOAD, limit), ((await SnapshotAsync(portal, Name)).Status, (await SnapshotAsync(portal, Name)).DownloadCount));
        var refused = await licenses.LatestAsync(alice, Name, Address);
        Assert.Equal(InstanceLifecycle.TooManyDownloads, ErrorCode(refused));
        Assert.Equal(InstanceStatus.DOWNLOADERROR, (await SnapshotAsync(portal, Name)).Status);

        // The audit trail has every staff download, with who and from where, marked as staff.
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var staffEntries = await db.AuditEntries.AsNoTracking()
            .Where(e => (e.Action == "license.download" || e.Action == "license.generate") && (e.ActorUserName == "sam" || e.ActorUserName == "ada"))
            .ToListAsync();
        Assert.Equal(limit * 4, staffEntries.Count);
        Assert.All(staffEntries, e => Assert.Contains("\"byStaff\":true", e.After, StringComparison.Ordinal));
        Assert.All(staffEntries, e => Assert.Contains($"\"address\":\"{StaffAddress}\"", e.After, StringComparison.Ordinal));
        Assert.DoesNotContain(await db.AuditEntries.AsNoTracking().Where(e => e.ActorUserName == "alice").Select(e => e.After).ToListAsync(),
            after => after != null && after.Contains("byStaff", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_administrator_issues_a_new_revision_which_the_customer_sees_issued_by_vendor_staff(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var ada = await portal.CreateUserAsync("ada", PortalRole.Administrator);
        var sam = await portal.CreateUserAsync("sam", PortalRole.Support);
        await portal.CreateInstanceAsync(Name, alice);
        await UploadValidAsync(portal, alice, Name, HostKey.Generate());
        var licenses = portal.Get<LicenseService>();
        Assert.True((await licenses.GenerateAsync(alice, Name, Address)).Succeeded);
        await UpdateAsync(portal, Name, q => q with { MaxDesktops = 11 });
        var before = await SnapshotAsync(portal, Name);

        var issued = await licenses.GenerateAsync(ada, Name, StaffAddress);
        Assert.True(issued.Succeeded, Why(issued));
        Assert.Equal((2, true), (issued.Value!.Revision, issued.Value.NewRevision));
        Assert.True((await licenses.LatestAsync(sam, Name, StaffAddress)).Succeeded);
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal((before.Status, before.DownloadCount, 2), (after.Status, after.DownloadCount, after.LicenseRevisions));

        // The customer's next generate serves the administrator's revision (nothing changed since) and counts as hers.
        var own = await licenses.GenerateAsync(alice, Name, Address);
        Assert.Equal((2, false), (own.Value!.Revision, own.Value.NewRevision));
        Assert.Equal(before.DownloadCount + 1, (await SnapshotAsync(portal, Name)).DownloadCount);

        var customerView = (await licenses.GetHistoryAsync(alice, Name))!;
        var revision2 = customerView[0];
        Assert.Equal((2, (string?)null, true), (revision2.Revision, revision2.IssuedBy, revision2.IssuedByStaff));
        Assert.Equal(
            [new LicenseDownloadEntry("alice", portal.Time.GetUtcNow().UtcDateTime, Address), new LicenseDownloadEntry(null, portal.Time.GetUtcNow().UtcDateTime, null, true), new LicenseDownloadEntry(null, portal.Time.GetUtcNow().UtcDateTime, null, true)],
            revision2.Downloads.OrderBy(d => d.ByStaff));
        Assert.Equal(("alice", false), (customerView[1].IssuedBy, customerView[1].IssuedByStaff));

        foreach (var staff in new[] { ada, sam })
        {
            var staffView = (await licenses.GetHistoryAsync(staff, Name))!;
            Assert.Equal(("ada", true), (staffView[0].IssuedBy, staffView[0].IssuedByStaff));
            Assert.Equal(
                [("alice", Address, false), ("ada", StaffAddress, true), ("sam", StaffAddress, true)],
                staffView[0].Downloads.Select(d => (d.UserName, d.RemoteAddress, d.ByStaff)).OrderBy(d => d.ByStaff).ThenBy(d => d.UserName));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_administrators_downloads_of_their_own_instance_are_the_owners_and_count(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var limit = portal.Get<IOptions<LicensingOptions>>().Value.DownloadLimit;
        var ada = await portal.CreateUserAsync("ada", PortalRole.Administrator);
        await portal.CreateInstanceAsync(Name, ada);
        await UploadValidAsync(portal, ada, Name, HostKey.Generate());
        var licenses = portal.Get<LicenseService>();

        for (var i = 0; i < limit; i++)
        {
            Assert.True((await licenses.GenerateAsync(ada, Name, Address)).Succeeded);
        }
        var refused = await licenses.GenerateAsync(ada, Name, Address);

        Assert.Equal(InstanceLifecycle.TooManyDownloads, ErrorCode(refused));
        Assert.Equal((InstanceStatus.DOWNLOADERROR, limit), ((await SnapshotAsync(portal, Name)).Status, (await SnapshotAsync(portal, Name)).DownloadCount));
    }
}
