using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// Issue 5's two-node case in a real browser: two portal processes on one PostgreSQL database, changes carried by
/// PostgreSQL LISTEN/NOTIFY or by a Redis server; a page open on node B shows, without reloading, changes made through
/// node A's API (a quota edit, then a host info upload). The page is a Chinese one and the changes come from an English
/// client: node B redraws them in its viewer's language, with nothing English on the page.
/// </summary>
public sealed class TwoNodeLiveBrowserTests
{
    private const string OwnerPassword = "Own3r-Passw0rd!";

    [SkippableTheory]
    [InlineData("Postgres")]
    [InlineData("Redis")]
    public async Task A_change_made_on_node_A_appears_on_a_page_open_on_node_B_without_reloading(string carrier)
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        if (carrier == "Redis")
        {
            RedisServer.SkipIfUnavailable();
        }
        await using var redis = carrier == "Redis" ? await RedisServer.StartAsync() : null;
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__LicensePortal"] = database.ConnectionString,
        };
        if (redis is not null)
        {
            settings["LiveUpdates__Redis"] = redis.Configuration;
        }
        // One after the other: the first migrates the database and creates the administrator, the second finds them.
        await using var nodeA = await PortalProcess.StartAsync(settings);
        await using var nodeB = await PortalProcess.StartAsync(settings);

        using var apiA = new HttpClient { BaseAddress = nodeA.BaseAddress };
        apiA.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-US");
        apiA.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(apiA));
        var owner = await JsonAsync(await apiA.PostAsJsonAsync("api/v1/users", new { userName = "owner", password = OwnerPassword, role = "User" }));
        var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await JsonAsync(await apiA.PostAsJsonAsync("api/v1/instances", new
        {
            name = "two-node-01", ownerId = owner.GetProperty("user").GetProperty("id").GetString(),
            maxDesktops = 10, maxImages = 5, maxUsers = 20, maxVcpus = 64, maxVmemGib = 256, maxVdiskGib = 2048, expiresAt = expires,
        }));
        // A relay that is not listening yet would miss the change; both nodes must listen first.
        if (redis is null)
        {
            await WaitForListenersAsync(database.ConnectionString, 2);
        }
        else
        {
            await WaitForRedisSubscribersAsync(redis, 2);
        }

        var (playwright, browser) = await Browsers.LaunchAsync();
        var page = await browser.NewPortalPageAsync(nodeB, locale: "zh-CN");
        try
        {
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("instances");
            var row = page.Locator("#instances-grid tr", new() { HasText = "two-node-01" });
            var desktops = row.Locator("input[data-quota=MaxDesktops]");
            await Assertions.Expect(desktops).ToHaveValueAsync("10");
            // Survives only if the page is never reloaded.
            await page.EvaluateAsync("() => window.__sameDocument = true");

            using (var update = await apiA.PutAsJsonAsync("api/v1/instances/two-node-01", new { maxDesktops = 42 }))
            {
                await JsonAsync(update);
            }
            await Assertions.Expect(desktops).ToHaveValueAsync("42", new() { Timeout = 20_000 });
            await ExpectChineseAsync(page, row, "TOUPLOAD");

            var hostInfo = HostInfoFile.Write("two-node-01", "52:54:00:22:33:44", "SN-TWO-NODE", HostKey.Generate(), DateTimeOffset.UtcNow);
            using (var upload = await apiA.PostAsync(new Uri("api/v1/instances/two-node-01/hostinfo", UriKind.Relative), new StringContent(hostInfo, System.Text.Encoding.UTF8, "text/plain")))
            {
                await JsonAsync(upload);
            }
            await Assertions.Expect(row.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TODOWNLOAD", new() { Timeout = 20_000 });
            await ExpectChineseAsync(page, row, "TODOWNLOAD");

            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page on node B was reloaded");
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-two-node-failure-{Guid.NewGuid():N}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException(
                $"Browser step failed at {page.Url}; screenshot {shot}.\nNode A output:\n{nodeA.Output}\nNode B output:\n{nodeB.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>The Chinese page after a redraw from node A: its chip in Chinese, and no English, key or "{0}" anywhere on it.</summary>
    private static async Task ExpectChineseAsync(IPage page, ILocator row, string status)
    {
        await Assertions.Expect(row.Locator(".status-badge")).ToHaveTextAsync(ResourceFiles.Texts(ResourceFiles.Chinese)[$"Status.{status}"]);
        Assert.Equal(ResourceFiles.Texts(ResourceFiles.Chinese)["Nav.Instances"], await page.TitleAsync());
        var problems = await ShownTexts.ProblemsAsync(page, ResourceFiles.Chinese, $"node B /instances after {status}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>A personal API token for the first administrator, from node A.</summary>
    private static async Task<string> TokenAsync(HttpClient client)
    {
        var created = await JsonAsync(await client.PostAsJsonAsync("api/v1/tokens",
            new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "two-node", expiresInDays = 1 }));
        return created.GetProperty("token").GetString()!;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    /// <summary>Waits (bounded) until this many clients subscribe to the instances channel on the Redis server.</summary>
    private static async Task WaitForRedisSubscribersAsync(RedisServer redis, int count)
    {
        await using var client = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = client.GetServer(client.GetEndPoints()[0]);
        for (var i = 0; i < 120; i++)
        {
            if (await server.SubscriptionSubscriberCountAsync(StackExchange.Redis.RedisChannel.Literal("licenseportal:instances")) >= count)
            {
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"fewer than {count} portal nodes subscribe on Redis");
    }

    /// <summary>
    /// Waits (bounded) until this many sessions on the database have run the relay's LISTENs. The relay sends both
    /// channels' LISTEN in one batch, instances first, so a session whose last statement is either has both.
    /// </summary>
    private static async Task WaitForListenersAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND (position(@instances in query) > 0 OR position(@keys in query) > 0)", connection);
        query.Parameters.AddWithValue("instances", $"LISTEN {PostgresChangeRelay.Channel}");
        query.Parameters.AddWithValue("keys", $"LISTEN {PostgresChangeRelay.VendorKeyChannel}");
        for (var i = 0; i < 120; i++)
        {
            if ((long)(await query.ExecuteScalarAsync())! >= count)
            {
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"fewer than {count} portal nodes listen on {PostgresChangeRelay.Channel}");
    }
}
