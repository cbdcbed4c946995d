using System.Net;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static LicensePortal.Tests.Api.ApiTestKit;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// The finding, over real HTTP on SQLite and PostgreSQL: a support account and an administrator fetch and generate a
/// customer's license far more often than the download limit, through the seed's URLs (signed in with the cookie) and the
/// API (bearer tokens). The instance stays TODOWNLOAD with its download count and version, the customer still gets every
/// download of the limit (and the next one still starts DOWNLOADERROR), and the customer's history from the API shows the
/// staff downloads as "vendor staff" in the caller's language, with no name and no address, while staff see both.
/// </summary>
public sealed class StaffDownloadsOverHttpAreReads
{
    private const string Name = "alice-01";
    private const string StaffAddress = "198.51.100.23";

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Support_and_administrator_downloads_past_the_limit_leave_the_instance_and_the_customers_limit_alone(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var factory = new PortalWebFactory(database);
        var limit = factory.Services.GetRequiredService<IOptions<LicensingOptions>>().Value.DownloadLimit;
        var (alice, _) = await factory.CreateUserAsync("alice");
        var (sam, samPassword) = await factory.CreateUserAsync("sam", PortalRole.Support);
        var (olga, olgaPassword) = await factory.CreateUserAsync("olga", PortalRole.Administrator);
        await InstanceAsync(factory, Name, alice);
        var licenses = factory.Services.GetRequiredService<LicenseService>();
        Assert.True((await factory.Services.GetRequiredService<HostInfoIntake>().UploadAsync(alice, Name, Licensing.Portal.PortalLicenseKit.HostInfo(Name, HostKey.Generate()))).Value!.Accepted);
        Assert.True((await licenses.GenerateAsync(alice, Name, Address)).Succeeded);
        // One staff download with a known address (the test server has no client address), to see it hidden below.
        Assert.True((await licenses.LatestAsync(sam, Name, StaffAddress)).Succeeded);
        var before = await SnapshotAsync(factory.Services, Name);

        var samBrowser = await SignedInAsync(factory, "sam", samPassword);
        var olgaBrowser = await SignedInAsync(factory, "olga", olgaPassword);
        var samApi = await ClientAsync(factory, sam);
        var olgaApi = await ClientAsync(factory, olga);
        var rounds = limit + 2;
        for (var i = 0; i < rounds; i++)
        {
            await AssertLicenseAsync(await samBrowser.GetAsync(new Uri($"/static/license/{Name}_LICENSE", UriKind.Relative)), "support, /static/license");
            await AssertLicenseAsync(await olgaBrowser.GetAsync(new Uri($"/download_license?instance={Name}", UriKind.Relative)), "administrator, /download_license");
            await AssertLicenseAsync(await samApi.GetAsync(new Uri($"/api/v1/instances/{Name}/license", UriKind.Relative)), "support, GET license API");
            await AssertLicenseAsync(await olgaApi.PostAsync(new Uri($"/api/v1/instances/{Name}/license", UriKind.Relative), null), "administrator, POST license API");
        }

        var after = await SnapshotAsync(factory.Services, Name);
        Assert.Equal(before with { DownloadRows = before.DownloadRows + 4 * rounds }, after);
        Assert.Equal((InstanceStatus.TODOWNLOAD, 1), (after.Status, after.DownloadCount));

        // The customer's own downloads count as before: limit - 1 more after her first, then DOWNLOADERROR.
        var aliceApi = await ClientAsync(factory, alice);
        for (var i = 1; i < limit; i++)
        {
            await AssertLicenseAsync(await aliceApi.GetAsync(new Uri($"/api/v1/instances/{Name}/license", UriKind.Relative)), $"customer download {i + 1}");
        }
        using (var refused = await aliceApi.GetAsync(new Uri($"/api/v1/instances/{Name}/license", UriKind.Relative)))
        {
            Assert.False(refused.IsSuccessStatusCode);
            Assert.Equal(InstanceLifecycle.TooManyDownloads, (await JsonAsync(refused, refused.StatusCode)).GetProperty("code").GetString());
        }
        Assert.Equal((InstanceStatus.DOWNLOADERROR, limit), ((await SnapshotAsync(factory.Services, Name)).Status, (await SnapshotAsync(factory.Services, Name)).DownloadCount));

        // The customer's history: staff as "vendor staff" in her language, without name or address; her own with her address.
        foreach (var (language, vendorStaff) in new[] { ("en", "vendor staff"), ("zh-Hans", "供应商工作人员") })
        {
            var (body, downloads) = await HistoryAsync(aliceApi, language);
            // The staff names have letters no hex fingerprint or key id has, so any occurrence is a leak.
            Assert.DoesNotContain("sam", body, StringComparison.Ordinal);
            Assert.DoesNotContain("olga", body, StringComparison.Ordinal);
            Assert.DoesNotContain(StaffAddress, body, StringComparison.Ordinal);
            var staff = downloads.Where(d => d.GetProperty("byStaff").GetBoolean()).ToList();
            Assert.Equal(4 * rounds + 1, staff.Count);
            Assert.All(staff, d => Assert.Equal((vendorStaff, JsonValueKind.Null), (d.GetProperty("userName").GetString(), d.GetProperty("remoteAddress").ValueKind)));
            // Her own: her name and the address recorded (the test server's requests have none; the first came with one).
            var own = downloads.Where(d => !d.GetProperty("byStaff").GetBoolean()).ToList();
            Assert.Equal(Enumerable.Repeat("alice", limit), own.Select(d => d.GetProperty("userName").GetString()));
            Assert.All(own, d => Assert.Equal(JsonValueKind.String, d.GetProperty("remoteAddress").ValueKind));
            Assert.Contains(own, d => d.GetProperty("remoteAddress").GetString() == Address);
        }

        // Staff see who and from where.
        var (_, staffView) = await HistoryAsync(olgaApi, "en");
        var staffRows = staffView.Where(d => d.GetProperty("byStaff").GetBoolean()).Select(d => d.GetProperty("userName").GetString()).ToList();
        Assert.Equal((2 * rounds + 1, 2 * rounds), (staffRows.Count(n => n == "sam"), staffRows.Count(n => n == "olga")));
        Assert.Contains(staffView, d => d.GetProperty("userName").GetString() == "sam" && d.GetProperty("remoteAddress").GetString() == StaffAddress);
    }

    private static async Task AssertLicenseAsync(HttpResponseMessage response, string what)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}: {(int)response.StatusCode} {body}");
            Assert.Equal(LicenseFile.FormatVersion, LicenseFile.ReadHeader(body).Format);
        }
    }

    private static async Task<(string Body, List<JsonElement> Downloads)> HistoryAsync(HttpClient client, string language)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/instances/{Name}/licenses");
        request.Headers.AcceptLanguage.ParseAdd(language);
        using var response = await client.SendAsync(request);
        var root = await JsonAsync(response, HttpStatusCode.OK);
        return (root.GetRawText(), root.EnumerateArray().SelectMany(r => r.GetProperty("downloads").EnumerateArray()).ToList());
    }

    private static async Task<HttpClient> SignedInAsync(PortalWebFactory factory, string userName, string password)
    {
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, userName, password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }
}
