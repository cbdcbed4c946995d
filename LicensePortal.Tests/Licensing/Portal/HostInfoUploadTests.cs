using System.Globalization;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>/upload_hostinfo through the real LicenseService, on SQLite and PostgreSQL: TOUPLOAD, TODOWNLOAD, INFOERROR and refusals.</summary>
public sealed class HostInfoUploadTests
{
    private const string Name = "alice-01";

    private static async Task<(PortalServices Portal, PortalActor Alice)> StartAsync(DatabaseProvider provider)
    {
        var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        return (portal, alice);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_new_instance_waits_for_host_info_with_no_host_details_and_no_license(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, _) = await StartAsync(provider);
        await using var _portal = portal;

        var snapshot = await SnapshotAsync(portal, Name);

        Assert.Equal(InstanceStatus.TOUPLOAD, snapshot.Status);
        Assert.Equal(("", "", "", "", (DateTime?)null), (snapshot.Mac, snapshot.SerialNumber, snapshot.CheckCode, snapshot.PublicKey, snapshot.HostInfoUploadedAt));
        Assert.Equal((0, 0, 0), (snapshot.DownloadCount, snapshot.LicenseRevisions, snapshot.DownloadRows));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_valid_host_info_file_stores_the_host_details_and_makes_the_license_downloadable(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        var key = HostKey.Generate();
        var file = HostInfo(Name, key);
        var expected = HostInfoFile.Parse(file);

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, file);

        Assert.True(result.Succeeded);
        Assert.True(result.Value!.Accepted);
        Assert.Equal((InstanceStatus.TODOWNLOAD, (string?)null), (result.Value.Status, result.Value.ReasonCode));
        var details = await portal.Get<LicenseService>().GetHostDetailsAsync(alice, Name);
        Assert.NotNull(details);
        Assert.Equal((Mac, Serial, expected.CheckCode, key.Fingerprint), (details.Mac, details.SerialNumber, details.CheckCode, details.HostKeyFingerprint));
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime, details.UploadedAt);
        var snapshot = await SnapshotAsync(portal, Name);
        Assert.Equal(key.PublicKey, HostPublicKey.Import(snapshot.PublicKey));
        Assert.Equal((InstanceStatus.TODOWNLOAD, ""), (snapshot.Status, snapshot.StatusReason));
        Assert.Equal((0, 0, 0), (snapshot.DownloadCount, snapshot.LicenseRevisions, snapshot.DownloadRows));
    }

    public static TheoryData<DatabaseProvider, string> BadFiles()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            data.Add(provider, "changed-character");
            data.Add(provider, "truncated");
            data.Add(provider, "other-instance");
        }
        return data;
    }

    /// <summary>Turns a good file into the named bad one; returns the bytes and the reason code the portal must store.</summary>
    private static (byte[] File, string Reason) Spoil(string kind, HostKey key) => kind switch
    {
        // The serial "VMware-42 1a 2b 3c" becomes "VMware-42 1a 2b 3d": still a well-formed field, so only the check code notices.
        "changed-character" => (Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(HostInfo(Name, key)).Replace("2b 3c", "2b 3d", StringComparison.Ordinal)), "HostInfo.BadCheckCode"),
        "truncated" => (HostInfo(Name, key)[..150], "HostInfo.Truncated"),
        "other-instance" => (HostInfo("bob-01", key), "HostInfo.OtherInstance"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [SkippableTheory]
    [MemberData(nameof(BadFiles))]
    public async Task A_host_info_file_failing_its_checks_sets_INFOERROR_with_the_reason_and_keeps_the_stored_host(DatabaseProvider provider, string kind)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        var goodKey = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, goodKey);
        var detailsBefore = await portal.Get<LicenseService>().GetHostDetailsAsync(alice, Name);
        var before = await SnapshotAsync(portal, Name);
        var (file, reason) = Spoil(kind, HostKey.Generate());

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, file);

        Assert.True(result.Succeeded);
        Assert.False(result.Value!.Accepted);
        Assert.Equal((InstanceStatus.INFOERROR, reason), (result.Value.Status, result.Value.ReasonCode));
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal((InstanceStatus.INFOERROR, reason), (after.Status, after.StatusReason));
        Assert.Equal(detailsBefore, await portal.Get<LicenseService>().GetHostDetailsAsync(alice, Name));
        Assert.Equal(before with { Status = after.Status, StatusReason = after.StatusReason, Version = after.Version, UpdatedAt = after.UpdatedAt, StatusChangedAt = after.StatusChangedAt }, after);
    }

    public static TheoryData<DatabaseProvider, string> NotHostInfo()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var kind in new[] { "empty", "too-large", "nul-bytes", "control-bytes", "invalid-utf8", "plain-text", "byte-order-mark", "c1-control" })
            {
                data.Add(provider, kind);
            }
        }
        return data;
    }

    private static (byte[] File, string Code) Junk(string kind)
    {
        var valid = HostInfo(Name, HostKey.Generate());
        return kind switch
        {
            "empty" => ([], "HostInfo.Empty"),
            // A genuine file padded past 64 KiB: the size alone must refuse it.
            "too-large" => ([.. valid, .. Enumerable.Repeat((byte)'\n', LicensePortal.Licensing.HostInfoFile.MaxBytes + 1 - valid.Length)], "HostInfo.TooLarge"),
            "nul-bytes" => ([.. valid[..40], 0, 0, 0, .. valid[40..]], "HostInfo.NotText"),
            // A genuine header followed by binary noise: still binary, not a damaged host info file.
            "control-bytes" => ([.. valid[..40], 0x01, 0x09, 0x1B, .. valid[40..]], "HostInfo.NotText"),
            "invalid-utf8" => ([.. valid[..40], 0xC3, 0x28, 0xFF, .. valid[40..]], "HostInfo.NotText"),
            "plain-text" => ("Instance: alice-01\nMAC: 52:54:00:ab:cd:ef\n"u8.ToArray(), "HostInfo.NotHostInfo"),
            // The library's rule for "text" (TextInput): a byte order mark and C1 control characters are not text either.
            "byte-order-mark" => ([0xEF, 0xBB, 0xBF, .. valid], "HostInfo.NotText"),
            "c1-control" => ([.. valid[..40], 0xC2, 0x85, .. valid[40..]], "HostInfo.NotText"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [SkippableTheory]
    [MemberData(nameof(NotHostInfo))]
    public async Task Input_that_is_not_a_host_info_file_is_refused_and_changes_nothing(DatabaseProvider provider, string kind)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        await UploadValidAsync(portal, alice, Name, HostKey.Generate());
        var before = await SnapshotAsync(portal, Name);
        var (file, code) = Junk(kind);

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, file);

        Assert.Equal(Failure.Invalid, result.Failure);
        Assert.Equal(code, ErrorCode(result));
        Assert.Equal(before, await SnapshotAsync(portal, Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Input_that_is_not_a_host_info_file_leaves_a_new_instance_waiting_for_upload(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        var before = await SnapshotAsync(portal, Name);

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, new byte[] { 0x7F, 0x45, 0x4C, 0x46, 0, 1, 2 });

        Assert.Equal(Failure.Invalid, result.Failure);
        Assert.Equal("HostInfo.NotText", ErrorCode(result));
        Assert.Equal(before, await SnapshotAsync(portal, Name));
        Assert.Equal(InstanceStatus.TOUPLOAD, before.Status);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_valid_host_info_file_after_INFOERROR_brings_the_instance_back_to_TODOWNLOAD(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        var key = HostKey.Generate();
        var bad = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo("bob-01", key));
        Assert.Equal(InstanceStatus.INFOERROR, bad.Value!.Status);

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, key));

        Assert.True(result.Value!.Accepted);
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal((InstanceStatus.TODOWNLOAD, "", key.Fingerprint), (after.Status, after.StatusReason, after.HostKeyFingerprint));
    }

    private static async Task<int> AuditCountAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.CountAsync();
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_host_info_file_created_10_minutes_after_the_portals_clock_is_refused_and_changes_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        await UploadValidAsync(portal, alice, Name, HostKey.Generate());
        var before = await SnapshotAsync(portal, Name);
        var audit = await AuditCountAsync(portal);
        var created = portal.Time.GetUtcNow().AddMinutes(10);

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, HostKey.Generate(), created: created));

        Assert.Equal(Failure.Invalid, result.Failure);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("File", "HostInfo.CreatedInFuture"), (error.Field, error.Code));
        Assert.Equal([created.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            portal.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)], error.Arguments);
        Assert.Equal(before, await SnapshotAsync(portal, Name));
        Assert.Equal(audit, await AuditCountAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_host_info_file_created_in_the_future_leaves_a_new_instance_waiting_for_upload(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        var before = await SnapshotAsync(portal, Name);

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name,
            HostInfo(Name, HostKey.Generate(), created: portal.Time.GetUtcNow() + LicenseFile.ClockSkew + TimeSpan.FromSeconds(1)));

        Assert.Equal("HostInfo.CreatedInFuture", ErrorCode(result));
        Assert.Equal(before, await SnapshotAsync(portal, Name));
        Assert.Equal(InstanceStatus.TOUPLOAD, before.Status);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_host_info_file_created_4_minutes_ahead_of_the_portals_clock_is_accepted(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var (portal, alice) = await StartAsync(provider);
        await using var _portal = portal;
        var key = HostKey.Generate();

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, key, created: portal.Time.GetUtcNow().AddMinutes(4)));

        Assert.True(result.Succeeded, Why(result));
        Assert.True(result.Value!.Accepted);
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal((InstanceStatus.TODOWNLOAD, key.Fingerprint), (after.Status, after.HostKeyFingerprint));
    }

    [Theory]
    [InlineData("en", "more than 5 minutes after the portal's clock")]
    [InlineData("zh-Hans", "比门户时钟")]
    public async Task The_refusal_of_a_host_info_file_from_the_future_is_a_problem_in_the_callers_language(string language, string expected)
    {
        await using var factory = new PortalWebFactory();
        var (alice, password) = await factory.CreateUserAsync("alice");
        var created = await factory.Services.GetRequiredService<InstanceService>().CreateAsync(await factory.AdminAsync(),
            new NewInstance(Name, alice.UserId, new InstanceQuotas(10, 5, 20, 64, 256, 2048, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1))));
        Assert.True(created.Succeeded);
        var client = factory.CreateBrowser();
        using (var signIn = await PortalWebFactory.SignInAsync(client, "alice", password))
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        }
        using var body = new ByteArrayContent(HostInfo(Name, HostKey.Generate(), created: DateTimeOffset.UtcNow.AddMinutes(10)));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/upload_hostinfo?instance={Name}", UriKind.Relative)) { Content = body };
        request.Headers.AcceptLanguage.ParseAdd(language);

        using var response = await client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("HostInfo.CreatedInFuture", problem.GetProperty("code").GetString());
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var row = await factory.Services.GetRequiredService<InstanceService>().FindByNameAsync(await factory.AdminAsync(), Name);
        Assert.Equal(InstanceStatus.TOUPLOAD, row!.Status);
    }
}
