using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LicensePortal.Licensing;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Observability;

/// <summary>
/// <c>GET /metrics</c> of a real portal process, scraped as Prometheus would after real actions through the API and a
/// browser: each count is what happened, and only loopback (by default) may read it, also through a known proxy; anyone else
/// gets what any unknown path gets (the sign-in redirect), so nothing says metrics are there.
/// </summary>
public sealed partial class MetricsCountWhatHappened
{
    [Fact]
    public async Task Scrapes_show_issued_licenses_downloads_uploads_by_reason_states_and_circuits()
    {
        // nginx on the same host is a known proxy: X-Forwarded-For then names the client whose address counts.
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string> { ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1" });
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var tokenResponse = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "metrics" });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString());
        var adminId = (await ApiTestKit.JsonAsync(await http.GetAsync(new Uri("api/v1/users?search=admin", UriKind.Relative)), HttpStatusCode.OK)).GetProperty("items")[0].GetProperty("id").GetString();
        await CreateAsync(http, "metered-01", adminId!);

        // One accepted file, one made for another instance (INFOERROR), one that is no host info file at all (refused).
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync(http, "metered-01", ApiTestKit.HostInfo("someone-else"))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync(http, "metered-01", "not a host info file")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(http, "metered-01", ApiTestKit.HostInfo("metered-01"))).StatusCode);
        // A license issued and served, then the same revision served again: one issued, two downloads.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(new Uri("api/v1/instances/metered-01/license", UriKind.Relative), null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("api/v1/instances/metered-01/license", UriKind.Relative))).StatusCode);

        var metrics = await ScrapeAsync(portal, forwardedFor: null);
        Assert.Equal(1, Value(metrics, "licenseportal_licenses_issued_total"));
        Assert.Equal(2, Value(metrics, "licenseportal_license_downloads_total"));
        Assert.Equal(1, Value(metrics, "licenseportal_hostinfo_uploads_total", "reason=\"\",result=\"accepted\""));
        Assert.Equal(1, Value(metrics, "licenseportal_hostinfo_uploads_total", "reason=\"HostInfo.OtherInstance\",result=\"rejected\""));
        Assert.Equal(1, Value(metrics, "licenseportal_hostinfo_uploads_total", "reason=\"HostInfo.NotHostInfo\",result=\"rejected\""));
        Assert.Equal(1, Value(metrics, "licenseportal_instances", "status=\"TODOWNLOAD\""));
        Assert.Equal(0, Value(metrics, "licenseportal_instances", "status=\"TOUPLOAD\""));
        // One node on SQLite: nothing relayed, and the series say so.
        Assert.Equal(0, Value(metrics, "licenseportal_relay_messages_total", "direction=\"sent\""));
        Assert.Equal(0, Value(metrics, "licenseportal_open_circuits"));
        // The framework's own: HTTP server durations and the runtime's collections.
        Assert.Contains("http_server_request_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections_total", metrics, StringComparison.Ordinal);
        // The sample dashboard asks only for series the portal exports.
        var dashboard = await File.ReadAllTextAsync(Path.Combine(PortalProcess.RepositoryRoot(), "deploy", "grafana-dashboard.json"));
        var asked = DashboardSeries().Matches(dashboard).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("licenseportal_instances", asked);
        Assert.All(asked, series => Assert.Contains(series, metrics, StringComparison.Ordinal));

        // The state gauge is read from the database at most every 30 s, not per scrape: a new instance is not in it yet.
        await CreateAsync(http, "metered-02", adminId!);
        Assert.Equal(0, Value(await ScrapeAsync(portal, forwardedFor: null), "licenseportal_instances", "status=\"TOUPLOAD\""));

        // An open page is a circuit; leaving it for a page that is not interactive closes it (the browser tells the
        // server as it unloads the page; a tab killed without that is kept for Blazor's retention period, minutes).
        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("instances");
            Assert.Equal(1, Value(await ScrapeAsync(portal, forwardedFor: null), "licenseportal_open_circuits"));
            await page.GotoAsync("Identity/Account/Manage/ChangePassword");
            await WaitForAsync(async () => Value(await ScrapeAsync(portal, forwardedFor: null), "licenseportal_open_circuits") == 0);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task Clients_outside_the_allowed_networks_get_what_an_unknown_path_gets_also_through_the_proxy()
    {
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string> { ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1" });
        // Through nginx from the internet: the proxy is on loopback, the client is not.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = portal.BaseAddress };
        var (status, body) = await GetFromAsync(http, "metrics", "203.0.113.9");
        var (unknownStatus, _) = await GetFromAsync(http, "no-such-path", "203.0.113.9");
        Assert.NotEqual(HttpStatusCode.OK, status);
        Assert.Equal(unknownStatus, status);
        Assert.DoesNotContain("licenseportal_", body, StringComparison.Ordinal);

        // The operator's monitoring network, configured: allowed through the proxy; loopback itself no longer is.
        await using var configured = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1",
            ["Metrics__AllowedNetworks__0"] = "203.0.113.0/24",
        });
        Assert.Contains("licenseportal_instances", await ScrapeAsync(configured, forwardedFor: "203.0.113.9"), StringComparison.Ordinal);
        using var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = configured.BaseAddress };
        Assert.NotEqual(HttpStatusCode.OK, (await direct.GetAsync(new Uri("metrics", UriKind.Relative))).StatusCode);
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetFromAsync(HttpClient http, string path, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", client);
        using var answer = await http.SendAsync(request);
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }

    private static async Task CreateAsync(HttpClient http, string name, string ownerId)
    {
        using var create = await http.PostAsJsonAsync("api/v1/instances", new
        {
            name,
            ownerId,
            maxDesktops = 4, maxImages = 2, maxUsers = 8, maxVcpus = 16, maxVmemGib = 64, maxVdiskGib = 512,
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient http, string instance, string file) =>
        http.PostAsync(new Uri($"api/v1/instances/{instance}/hostinfo", UriKind.Relative), ApiTestKit.Text(file));

    private static async Task<string> ScrapeAsync(PortalProcess portal, string? forwardedFor)
    {
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        using var answer = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.StartsWith("text/plain", answer.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await answer.Content.ReadAsStringAsync();
    }

    /// <summary>One sample's value: the line <c>name{labels} value</c> (labels sorted as the exporter writes them, otel_scope_* left out).</summary>
    private static double Value(string metrics, string name, string labels = "")
    {
        foreach (Match line in Sample().Matches(metrics))
        {
            if (line.Groups["name"].Value != name)
            {
                continue;
            }
            var own = string.Join(",", line.Groups["labels"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal)));
            if (own == labels)
            {
                return double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        throw new Xunit.Sdk.XunitException($"no sample {name}{{{labels}}} in:\n{metrics}");
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 120 && !await condition(); i++)
        {
            await Task.Delay(250);
        }
        Assert.True(await condition());
    }

    [GeneratedRegex(@"\b(licenseportal|http_server|dotnet)_[a-z_]+")]
    private static partial Regex DashboardSeries();

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[0-9.eE+-]+)( \d+)?$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
