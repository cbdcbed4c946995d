using System.Net;
using System.Net.Http.Headers;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// Requests a hostile page makes the victim's browser send (decision 0011): the victim's real sign-in cookie, the hostile
/// site's Origin, Sec-Fetch-Site cross-site (or same-site, a sibling subdomain), no antiforgery token. Each is refused with
/// a problem and changes nothing in the database; the same request from the portal itself, a typed address, a script or
/// a bearer token still works.
/// </summary>
public sealed class ForgedRequestsFromAnotherSiteChangeNothing
{
    private const string Issued = "alice-01";
    private const string Waiting = "alice-02";
    private const string Ready = "alice-03";

    private static async Task<(PortalWebFactory Factory, HttpClient Victim, PortalActor Alice)> StartAsync()
    {
        var factory = new PortalWebFactory();
        var (alice, password) = await factory.CreateUserAsync("alice");
        await ApiTestKit.InstanceAsync(factory, Issued, alice);
        await ApiTestKit.InstanceAsync(factory, Waiting, alice);
        await ApiTestKit.InstanceAsync(factory, Ready, alice);
        var intake = factory.Services.GetRequiredService<HostInfoIntake>();
        Assert.True((await intake.UploadAsync(alice, Issued, HostInfo(Issued, HostKey.Generate()))).Value!.Accepted);
        // Host info on file and no license yet: a download would make revision 1.
        Assert.True((await intake.UploadAsync(alice, Ready, HostInfo(Ready, HostKey.Generate()))).Value!.Accepted);
        Assert.True((await factory.Services.GetRequiredService<LicenseService>().GenerateAsync(alice, Issued, Address)).Succeeded);
        var victim = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(victim, "alice", password);
        Assert.True(SignInTests.HasAuthCookie(signIn));
        return (factory, victim, alice);
    }

    /// <summary>What the browser adds for a request another site's page triggers (an img, a link, a form, fetch with credentials).</summary>
    private static HttpRequestMessage Forged(HttpMethod method, string path, string fetchSite = "cross-site", HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Add("Origin", fetchSite == "same-site" ? "https://evil.licenses.example" : "https://evil.example");
        request.Headers.Add("Sec-Fetch-Site", fetchSite);
        request.Headers.Add("Sec-Fetch-Mode", method == HttpMethod.Get ? "no-cors" : "navigate");
        return request;
    }

    private static HttpRequestMessage FromThePortal(HttpMethod method, string path, string fetchSite = "same-origin", HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return request;
    }

    private static ByteArrayContent HostInfoBody(string instance) => new(HostInfo(instance, HostKey.Generate()));

    [Theory]
    [InlineData("/download_license?instance=" + Ready, Ready, "cross-site")]
    [InlineData("/download_license?instance=" + Ready, Ready, "same-site")]
    [InlineData("/static/license/" + Issued + "_LICENSE", Issued, "cross-site")]
    [InlineData("/static/license/" + Issued + "_LICENSE", Issued, "same-site")]
    [InlineData("/api/v1/instances/" + Issued + "/license", Issued, "cross-site")]
    public async Task A_license_get_from_another_site_is_refused_and_makes_no_revision_and_counts_no_download(string path, string instance, string fetchSite)
    {
        var (factory, victim, _) = await StartAsync();
        await using var _factory = factory;
        var before = await SnapshotAsync(factory.Services, instance);

        using var response = await victim.SendAsync(Forged(HttpMethod.Get, path, fetchSite));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Forbidden, "Error.CrossSiteRequest");
        Assert.Equal(before, await SnapshotAsync(factory.Services, instance));
    }

    [Fact]
    public async Task A_host_info_form_posted_from_another_site_is_refused_and_stores_nothing()
    {
        var (factory, victim, _) = await StartAsync();
        await using var _factory = factory;
        var before = await SnapshotAsync(factory.Services, Waiting);
        using var form = new MultipartFormDataContent { { HostInfoBody(Waiting), "file", "hostinfo.txt" } };

        using var crossSite = await victim.SendAsync(Forged(HttpMethod.Post, $"/upload_hostinfo?instance={Waiting}", content: form));
        // A browser without Fetch Metadata still sends Origin on a cross-origin POST.
        var oldBrowser = new HttpRequestMessage(HttpMethod.Post, new Uri($"/upload_hostinfo?instance={Waiting}", UriKind.Relative)) { Content = HostInfoBody(Waiting) };
        oldBrowser.Headers.Add("Origin", "https://evil.example");
        using var originOnly = await victim.SendAsync(oldBrowser);

        await ApiTestKit.ProblemAsync(crossSite, HttpStatusCode.Forbidden, "Error.CrossSiteRequest");
        await ApiTestKit.ProblemAsync(originOnly, HttpStatusCode.Forbidden, "Error.CrossSiteRequest");
        var after = await SnapshotAsync(factory.Services, Waiting);
        Assert.Equal(before, after);
        Assert.Equal("", after.Mac);
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-origin")]
    public async Task The_api_takes_no_change_on_the_cookie_even_from_the_portal_itself(string fetchSite)
    {
        var (factory, victim, _) = await StartAsync();
        await using var _factory = factory;
        var ready = await SnapshotAsync(factory.Services, Ready);
        var waiting = await SnapshotAsync(factory.Services, Waiting);

        using var upload = await victim.SendAsync(Forged(HttpMethod.Post, $"/api/v1/instances/{Waiting}/hostinfo", fetchSite, new StringContent(System.Text.Encoding.UTF8.GetString(HostInfo(Waiting, HostKey.Generate())))));
        using var generate = await victim.SendAsync(Forged(HttpMethod.Post, $"/api/v1/instances/{Ready}/license", fetchSite));
        using var token = await victim.SendAsync(Forged(HttpMethod.Post, $"/api/v1/instances/{Ready}/activation-tokens", fetchSite, JsonContent(new { expiresInDays = 7 })));

        var problem = await ApiTestKit.ProblemAsync(upload, HttpStatusCode.Forbidden, "Error.BearerTokenRequired");
        Assert.Contains("Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiTestKit.ProblemAsync(generate, HttpStatusCode.Forbidden, "Error.BearerTokenRequired");
        await ApiTestKit.ProblemAsync(token, HttpStatusCode.Forbidden, "Error.BearerTokenRequired");
        Assert.Equal(waiting, await SnapshotAsync(factory.Services, Waiting));
        Assert.Equal(ready, await SnapshotAsync(factory.Services, Ready));
        var tokens = await factory.Services.GetRequiredService<ActivationTokenService>().ListActivationAsync(await factory.AdminAsync(), Ready);
        Assert.Empty(tokens.Value!);
    }

    [Theory]
    [InlineData("same-origin")]
    [InlineData("none")]
    [InlineData(null)]
    public async Task The_seed_urls_still_work_from_the_portal_a_typed_address_and_a_script(string? fetchSite)
    {
        var (factory, victim, _) = await StartAsync();
        await using var _factory = factory;
        var issued = await SnapshotAsync(factory.Services, Issued);

        using var upload = await victim.SendAsync(Honest(HttpMethod.Post, $"/upload_hostinfo?instance={Waiting}", fetchSite, HostInfoBody(Waiting)));
        using var download = await victim.SendAsync(Honest(HttpMethod.Get, $"/download_license?instance={Ready}", fetchSite));
        using var latest = await victim.SendAsync(Honest(HttpMethod.Get, $"/static/license/{Issued}_LICENSE", fetchSite));
        using var read = await victim.SendAsync(Honest(HttpMethod.Get, $"/api/v1/instances/{Issued}", fetchSite));

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("LICENSEPORTAL", await latest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await SnapshotAsync(factory.Services, Ready)).LicenseRevisions);
        Assert.Equal(issued.DownloadRows + 1, (await SnapshotAsync(factory.Services, Issued)).DownloadRows);
        Assert.NotEqual("", (await SnapshotAsync(factory.Services, Waiting)).Mac);
    }

    [Fact]
    public async Task A_bearer_token_changes_through_the_api_whatever_site_the_request_names()
    {
        var (factory, _, alice) = await StartAsync();
        await using var _factory = factory;
        using var script = await ApiTestKit.ClientAsync(factory, alice);
        var issued = await SnapshotAsync(factory.Services, Issued);

        // A token is no ambient credential: a page elsewhere cannot make a browser send it, so the headers do not matter.
        using var upload = await script.SendAsync(Forged(HttpMethod.Post, $"/api/v1/instances/{Waiting}/hostinfo", content: ApiTestKit.Text(ApiTestKit.HostInfo(Waiting))));
        using var generate = await script.SendAsync(Forged(HttpMethod.Post, $"/api/v1/instances/{Ready}/license"));
        using var latest = await script.SendAsync(Forged(HttpMethod.Get, $"/api/v1/instances/{Issued}/license"));

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        Assert.Equal(1, (await SnapshotAsync(factory.Services, Ready)).LicenseRevisions);
        Assert.Equal(issued.DownloadRows + 1, (await SnapshotAsync(factory.Services, Issued)).DownloadRows);
        Assert.NotEqual("", (await SnapshotAsync(factory.Services, Waiting)).Mac);
    }

    private static HttpRequestMessage Honest(HttpMethod method, string path, string? fetchSite, HttpContent? content = null) =>
        fetchSite is null
            ? new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content }
            : FromThePortal(method, path, fetchSite, content);

    private static StringContent JsonContent(object value) =>
        new(System.Text.Json.JsonSerializer.Serialize(value), new MediaTypeHeaderValue("application/json"));
}
