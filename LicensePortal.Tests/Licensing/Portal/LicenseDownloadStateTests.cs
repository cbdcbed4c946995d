using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>/download_license through the real LicenseService with a fake clock, on SQLite and PostgreSQL: revisions, download limits, cool-down, expiry.</summary>
public sealed class LicenseDownloadStateTests
{
    private const string Name = "alice-01";

    private sealed record Setup(PortalServices Portal, PortalActor Alice, HostKey Key) : IAsyncDisposable
    {
        public LicenseService Licenses => Portal.Get<LicenseService>();

        public Task<ServiceResult<LicenseDownloadFile>> GenerateAsync() => Licenses.GenerateAsync(Alice, Name, Address);

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    /// <summary>A portal with alice's instance; with host info uploaded unless <paramref name="upload"/> is false.</summary>
    private static async Task<Setup> StartAsync(DatabaseProvider provider, bool upload = true, Action<LicensingOptions>? licensing = null)
    {
        var portal = await PortalServices.StartAsync(provider, licensing is null ? null : services => services.PostConfigure(licensing));
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        var key = HostKey.Generate();
        if (upload)
        {
            await UploadValidAsync(portal, alice, Name, key);
        }
        return new Setup(portal, alice, key);
    }

    private static async Task DownloadTimesAsync(Setup s, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var result = await s.GenerateAsync();
            Assert.True(result.Succeeded, $"download {i + 1} failed: {Why(result)}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Generating_before_host_info_is_refused_with_NoHostInfo_and_records_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider, upload: false);
        var before = await SnapshotAsync(s.Portal, Name);

        var result = await s.GenerateAsync();

        Assert.Equal(Failure.Invalid, result.Failure);
        Assert.Equal("License.NoHostInfo", ErrorCode(result));
        Assert.Equal(before, await SnapshotAsync(s.Portal, Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_first_download_issues_revision_1_and_records_who_when_and_from_where(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        var now = s.Portal.Time.GetUtcNow().UtcDateTime;

        var result = await s.GenerateAsync();

        Assert.True(result.Succeeded);
        Assert.Equal(("alice-01_LICENSE", 1, true), (result.Value!.FileName, result.Value.Revision, result.Value.NewRevision));
        var verified = Verify(s.Portal, result.Value.FileText, s.Key);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal((1, Name, 10), (verified.Content!.Revision, verified.Content.InstanceName, verified.Content.MaxDesktops));
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.TODOWNLOAD, 1, 1, 1), (after.Status, after.DownloadCount, after.LicenseRevisions, after.DownloadRows));
        var entry = Assert.Single((await s.Licenses.GetHistoryAsync(s.Alice, Name))!);
        Assert.Equal((1, now, s.Portal.Get<VendorKeyStore>().CurrentInfo.KeyId, s.Key.Fingerprint, "alice"), (entry.Revision, entry.IssuedAt, entry.VendorKeyId, entry.HostKeyFingerprint, entry.IssuedBy));
        Assert.Equal(new LicenseDownloadEntry("alice", now, Address), Assert.Single(entry.Downloads));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Downloading_again_without_changes_returns_the_same_revision_and_counts_the_download(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        var first = await s.GenerateAsync();
        s.Portal.Time.Advance(TimeSpan.FromMinutes(1));

        var second = await s.GenerateAsync();

        Assert.True(second.Succeeded);
        Assert.Equal((1, false), (second.Value!.Revision, second.Value.NewRevision));
        Assert.Equal(first.Value!.FileText, second.Value.FileText);
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((2, 1, 2), (after.DownloadCount, after.LicenseRevisions, after.DownloadRows));
        var entry = Assert.Single((await s.Licenses.GetHistoryAsync(s.Alice, Name))!);
        Assert.Equal(2, entry.Downloads.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_quota_change_makes_the_next_download_revision_2_carrying_the_new_quotas(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await s.GenerateAsync();
        await UpdateAsync(s.Portal, Name, q => q with { MaxDesktops = 42, MaxVcpus = 128 });

        var result = await s.GenerateAsync();

        Assert.True(result.Succeeded);
        Assert.Equal((2, true), (result.Value!.Revision, result.Value.NewRevision));
        var verified = Verify(s.Portal, result.Value.FileText, s.Key);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal((2, 42, 5, 20, 128, 256, 2048), (verified.Content!.Revision, verified.Content.MaxDesktops, verified.Content.MaxImages, verified.Content.MaxUsers, verified.Content.MaxVcpus, verified.Content.MaxVmemGib, verified.Content.MaxVdiskGib));
        var history = (await s.Licenses.GetHistoryAsync(s.Alice, Name))!;
        Assert.Equal([2, 1], history.Select(h => h.Revision));
        Assert.Equal((2, 2), ((await SnapshotAsync(s.Portal, Name)).DownloadCount, (await SnapshotAsync(s.Portal, Name)).LicenseRevisions));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_sixth_download_within_ten_minutes_is_refused_and_sets_DOWNLOADERROR(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await DownloadTimesAsync(s, 5);
        s.Portal.Time.Advance(TimeSpan.FromMinutes(9));
        var before = await SnapshotAsync(s.Portal, Name);

        var result = await s.GenerateAsync();

        Assert.Equal(Failure.Invalid, result.Failure);
        Assert.Equal("License.TooManyDownloads", ErrorCode(result));
        Assert.Null(result.Value);
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.DOWNLOADERROR, "License.TooManyDownloads"), (after.Status, after.StatusReason));
        Assert.Equal((5, 1, 5), (after.DownloadCount, after.LicenseRevisions, after.DownloadRows));
        Assert.Equal(before.HostKeyFingerprint, after.HostKeyFingerprint);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Downloads_while_in_DOWNLOADERROR_are_refused_and_not_counted(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await DownloadTimesAsync(s, 5);
        await s.GenerateAsync();
        var before = await SnapshotAsync(s.Portal, Name);

        var result = await s.GenerateAsync();

        Assert.Equal("License.DownloadError", ErrorCode(result));
        Assert.Equal(before, await SnapshotAsync(s.Portal, Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_sweep_ends_DOWNLOADERROR_after_the_ten_minute_cool_down(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await DownloadTimesAsync(s, 5);
        await s.GenerateAsync();
        var sweeper = s.Portal.Get<InstanceStatusSweeper>();
        s.Portal.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await sweeper.SweepAsync());
        Assert.Equal(InstanceStatus.DOWNLOADERROR, (await SnapshotAsync(s.Portal, Name)).Status);
        s.Portal.Time.Advance(TimeSpan.FromSeconds(1));

        var changed = await sweeper.SweepAsync();

        Assert.Equal(1, changed);
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.TODOWNLOAD, "", 5, 5), (after.Status, after.StatusReason, after.DownloadCount, after.DownloadRows));
        Assert.True((await s.GenerateAsync()).Succeeded);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Without_a_sweep_the_first_download_after_the_cool_down_succeeds(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await DownloadTimesAsync(s, 5);
        await s.GenerateAsync();
        s.Portal.Time.Advance(TimeSpan.FromMinutes(10));

        var result = await s.GenerateAsync();

        Assert.True(result.Succeeded, Why(result));
        Assert.Equal(1, result.Value!.Revision);
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.TODOWNLOAD, 6, 1), (after.Status, after.DownloadCount, after.LicenseRevisions));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_administrator_ends_DOWNLOADERROR_early_and_the_owner_can_download_again(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await DownloadTimesAsync(s, 5);
        await s.GenerateAsync();
        s.Portal.Time.Advance(TimeSpan.FromMinutes(1));

        var reset = await s.Licenses.ResetDownloadErrorAsync(await s.Portal.AdminAsync(), Name);

        Assert.True(reset.Succeeded);
        Assert.Equal(InstanceStatus.TODOWNLOAD, reset.Value!.Status);
        Assert.Equal((InstanceStatus.TODOWNLOAD, ""), ((await SnapshotAsync(s.Portal, Name)).Status, (await SnapshotAsync(s.Portal, Name)).StatusReason));
        var download = await s.GenerateAsync();
        Assert.True(download.Succeeded, Why(download));
        Assert.Equal(6, (await SnapshotAsync(s.Portal, Name)).DownloadCount);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_customer_cannot_reset_DOWNLOADERROR(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await DownloadTimesAsync(s, 5);
        await s.GenerateAsync();
        var before = await SnapshotAsync(s.Portal, Name);

        var reset = await s.Licenses.ResetDownloadErrorAsync(s.Alice, Name);

        Assert.Equal(Failure.Forbidden, reset.Failure);
        Assert.Equal(before, await SnapshotAsync(s.Portal, Name));
        Assert.Equal(InstanceStatus.DOWNLOADERROR, before.Status);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_download_limit_is_configurable(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider, licensing: o => o.DownloadLimit = 2);
        await DownloadTimesAsync(s, 2);

        var third = await s.GenerateAsync();

        Assert.Equal("License.TooManyDownloads", ErrorCode(third));
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.DOWNLOADERROR, 2, 2), (after.Status, after.DownloadCount, after.DownloadRows));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_sweep_expires_an_instance_past_its_expiry_date_and_no_license_is_issued(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await s.GenerateAsync();
        var expiresOn = (await s.Portal.Get<InstanceService>().FindByNameAsync(s.Alice, Name))!.ExpiresOn;
        var sweeper = s.Portal.Get<InstanceStatusSweeper>();
        s.Portal.Time.SetUtcNow(new DateTimeOffset(expiresOn.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.Zero));
        Assert.Equal(0, await sweeper.SweepAsync());
        s.Portal.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, await sweeper.SweepAsync());
        Assert.Equal(InstanceStatus.EXPIRED, (await SnapshotAsync(s.Portal, Name)).Status);
        var before = await SnapshotAsync(s.Portal, Name);
        var result = await s.GenerateAsync();

        Assert.Equal("License.Expired", ErrorCode(result));
        Assert.Equal(before, await SnapshotAsync(s.Portal, Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Extending_an_expired_instance_brings_it_back_to_TODOWNLOAD_and_issues_a_new_revision(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);
        await s.GenerateAsync();
        var expiresOn = (await s.Portal.Get<InstanceService>().FindByNameAsync(s.Alice, Name))!.ExpiresOn;
        s.Portal.Time.SetUtcNow(new DateTimeOffset(expiresOn.AddDays(1).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero));
        var sweeper = s.Portal.Get<InstanceStatusSweeper>();
        await sweeper.SweepAsync();
        var newExpiry = expiresOn.AddYears(1);

        await UpdateAsync(s.Portal, Name, q => q with { ExpiresOn = newExpiry });

        Assert.Equal(InstanceStatus.TODOWNLOAD, (await SnapshotAsync(s.Portal, Name)).Status);
        var result = await s.GenerateAsync();
        Assert.True(result.Succeeded, Why(result));
        Assert.Equal((2, true), (result.Value!.Revision, result.Value.NewRevision));
        var verified = Verify(s.Portal, result.Value.FileText, s.Key);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal(newExpiry, verified.Content!.ExpiresOn);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Ten_parallel_downloads_issue_exactly_one_revision_and_count_ten_downloads(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider, licensing: o => o.DownloadLimit = 100);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(s.GenerateAsync)));

        Assert.All(results, r => Assert.True(r.Succeeded, Why(r)));
        Assert.All(results, r => Assert.Equal(1, r.Value!.Revision));
        Assert.Single(results, r => r.Value!.NewRevision);
        Assert.Single(results.Select(r => r.Value!.FileText).Distinct());
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.TODOWNLOAD, 10, 1, 10), (after.Status, after.DownloadCount, after.LicenseRevisions, after.DownloadRows));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Ten_parallel_downloads_under_the_default_limit_give_exactly_five_licenses(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(s.GenerateAsync)));

        Assert.Equal(5, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.True(ErrorCode(r) is "License.TooManyDownloads" or "License.DownloadError", ErrorCode(r)));
        var after = await SnapshotAsync(s.Portal, Name);
        Assert.Equal((InstanceStatus.DOWNLOADERROR, 5, 1, 5), (after.Status, after.DownloadCount, after.LicenseRevisions, after.DownloadRows));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Parallel_downloads_of_many_instances_are_each_recorded_once_with_their_own_revision_and_audit_entry(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var s = await StartAsync(provider, licensing: o => o.DownloadLimit = 100);
        // Downloads in flight at once share commits; each must still land on its own instance, once.
        var names = Enumerable.Range(0, 12).Select(i => $"alice-bulk-{i:D2}").ToArray();
        var keys = new Dictionary<string, HostKey>();
        foreach (var name in names)
        {
            await s.Portal.CreateInstanceAsync(name, s.Alice);
            keys[name] = HostKey.Generate();
            await UploadValidAsync(s.Portal, s.Alice, name, keys[name]);
        }

        var work = names.SelectMany(n => Enumerable.Repeat(n, 3)).ToArray();
        var results = await Task.WhenAll(work.Select(n => Task.Run(() => s.Licenses.GenerateAsync(s.Alice, n, Address))));

        Assert.All(results, r => Assert.True(r.Succeeded, Why(r)));
        foreach (var name in names)
        {
            var mine = results.Where(r => r.Value!.FileName == LicenseService.FileName(name)).ToList();
            Assert.Equal(3, mine.Count);
            Assert.Single(mine, r => r.Value!.NewRevision);
            var verified = Verify(s.Portal, mine[0].Value!.FileText, keys[name]);
            Assert.True(verified.IsValid, $"{name}: {verified.Message}");
            Assert.Equal(name, verified.Content!.InstanceName);
            var after = await SnapshotAsync(s.Portal, name);
            Assert.Equal((InstanceStatus.TODOWNLOAD, 3, 1, 3), (after.Status, after.DownloadCount, after.LicenseRevisions, after.DownloadRows));
        }
        await using var scope = s.Portal.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var entries = db.AuditEntries.Where(e => e.Action == "license.generate" || e.Action == "license.download").Select(e => e.TargetKey).ToList();
        Assert.Equal(names.Length * 3, entries.Count);
        Assert.All(names, n => Assert.Equal(3, entries.Count(k => k == n)));
    }
}
