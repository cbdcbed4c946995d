using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// Deleting an account deletes its instances the way every instance is deleted and publishes that: an instances page open
/// in another browser (another administrator, in Chinese) drops the account's rows without reloading and keeps the others.
/// </summary>
public sealed class UserDeletionReachesOpenPagesTests
{
    private const string OpsPassword = "0ps-Admin-Passw0rd!";

    [Fact]
    public async Task Deleting_a_user_at_users_removes_their_instances_from_an_instances_page_open_in_another_browser()
    {
        await using var portal = await PortalProcess.StartAsync();

        // Set-up through the JSON API with an administrator's token: a second administrator, bob with two instances,
        // carol with one.
        using var api = new HttpClient { BaseAddress = portal.BaseAddress };
        using var tokenResponse = await api.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "deletion-e2e" });
        var adminToken = (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        await CreateUserAsync(api, "ops", "Administrator", OpsPassword);
        var bobId = await CreateUserAsync(api, "bob", "User", "B0b-Owner-Passw0rd!");
        var carolId = await CreateUserAsync(api, "carol", "User", "Car0l-Owner-Passw0rd!");
        await CreateInstanceAsync(api, "bob-01", bobId);
        await CreateInstanceAsync(api, "bob-02", bobId);
        await CreateInstanceAsync(api, "carol-01", carolId);

        var (playwright, browser) = await Browsers.LaunchAsync();
        var watcher = await browser.NewPortalPageAsync(portal);
        var deleter = await browser.NewPortalPageAsync(portal);
        var current = watcher;
        try
        {
            // Browser A: the first administrator switches the UI to Chinese and opens the instances page.
            await watcher.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await watcher.GotoInteractiveAsync("instances");
            await SwitchToChineseAsync(watcher);
            await Assertions.Expect(watcher.Locator("#instances-grid th.name-head")).ToContainTextAsync("实例名");
            var grid = watcher.Locator("#instances-grid");
            var bob01 = grid.Locator("a.instance-link", new() { HasTextRegex = new Regex("^bob-01$") });
            var bob02 = grid.Locator("a.instance-link", new() { HasTextRegex = new Regex("^bob-02$") });
            var carol01 = grid.Locator("a.instance-link", new() { HasTextRegex = new Regex("^carol-01$") });
            await Assertions.Expect(bob01).ToHaveCountAsync(1);
            await Assertions.Expect(bob02).ToHaveCountAsync(1);
            await Assertions.Expect(carol01).ToHaveCountAsync(1);
            // A mark on this document: it is gone if the page reloads or navigates.
            await watcher.EvaluateAsync("() => { window.__sameDocument = 'deletion-e2e'; }");

            // Browser B: another administrator, in English, deletes bob at /users, confirming the preview of his instances.
            current = deleter;
            await deleter.SignInAsync("ops", OpsPassword);
            await deleter.GotoInteractiveAsync("users");
            await Assertions.Expect(deleter.Locator("html")).ToHaveAttributeAsync("lang", new Regex("^en"));
            var bobRow = deleter.Locator("#users-grid tbody tr").Filter(new() { Has = deleter.Locator("td", new() { HasTextRegex = new Regex("^bob$") }) });
            await SelectRowAsync(deleter, bobRow, "#users-delete");
            await Assertions.Expect(deleter.Locator("#users-delete")).ToContainTextAsync("(1)");
            await deleter.OpenDialogAsync("#users-delete", "#delete-preview");
            await Assertions.Expect(deleter.Locator("#delete-preview li")).ToHaveTextAsync(["bob and their 2 instance(s): bob-01, bob-02"]);
            await deleter.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Assertions.Expect(deleter.Locator(".mud-snackbar", new() { HasText = "Deleted bob." })).ToHaveCountAsync(1);
            await Assertions.Expect(deleter.Locator(".mud-dialog")).ToHaveCountAsync(0);
            await Assertions.Expect(bobRow).ToHaveCountAsync(0);
            await Assertions.Expect(deleter.Locator("#users-grid td", new() { HasTextRegex = new Regex("^carol$") })).ToHaveCountAsync(1);

            // Browser A, not reloaded: bob's instances went, carol's stayed, still in Chinese.
            current = watcher;
            await Assertions.Expect(bob01).ToHaveCountAsync(0);
            await Assertions.Expect(bob02).ToHaveCountAsync(0);
            await Assertions.Expect(carol01).ToHaveCountAsync(1);
            await Assertions.Expect(grid.Locator("tbody tr[data-id]")).ToHaveCountAsync(1);
            await Assertions.Expect(watcher.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hans");
            Assert.Equal("deletion-e2e", await watcher.EvaluateAsync<string?>("() => window.__sameDocument ?? null"));
            Assert.EndsWith("/instances", new Uri(watcher.Url).AbsolutePath, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            var shots = new List<string>();
            foreach (var (name, page) in new[] { ("watcher", watcher), ("deleter", deleter) })
            {
                var shot = Path.Combine(Path.GetTempPath(), $"lp-user-deletion-{name}-failure-{Guid.NewGuid():N}.png");
                try
                {
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
                    shots.Add($"{name} at {page.Url}: {shot}");
                }
                catch (PlaywrightException)
                {
                    shots.Add($"{name}: no screenshot");
                }
            }
            throw new InvalidOperationException($"Browser step failed on the {(current == watcher ? "watcher" : "deleter")} page; screenshots {string.Join("; ", shots)}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }

        // The API agrees: bob's instances are gone, carol's is there.
        var bobs = await ApiTestKit.JsonAsync(await api.GetAsync(new Uri("api/v1/instances?name=bob", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(0, bobs.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, bobs.GetProperty("items").GetArrayLength());
        var all = await ApiTestKit.JsonAsync(await api.GetAsync(new Uri("api/v1/instances?pageSize=100", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(["carol-01"], Names(all));
        using var bobGone = await api.GetAsync(new Uri($"api/v1/users/{bobId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, bobGone.StatusCode);
    }

    /// <summary>
    /// Ticks a grid row's checkbox until the server has the selection (the bulk button it enables says so). A click lost
    /// while the circuit swaps the prerendered page for the live one leaves the live row unticked: only then click again.
    /// </summary>
    private static async Task SelectRowAsync(IPage page, ILocator row, string enabledButton)
    {
        // The select column's checkbox, not the row's "active" switch (also a checkbox input).
        var checkbox = row.Locator("input.mud-checkbox-input");
        for (var attempt = 1; ; attempt++)
        {
            if (!await checkbox.IsCheckedAsync())
            {
                await checkbox.ClickAsync(new() { Force = true });
            }
            try
            {
                await Assertions.Expect(page.Locator(enabledButton)).ToBeEnabledAsync(new() { Timeout = 10_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>The UI language switch in the top bar: it sets the culture cookie on a normal request and reloads the page.</summary>
    private static async Task SwitchToChineseAsync(IPage page)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync("#culture-switch");
            await page.ClickAsync("#culture-menu button[lang=zh-Hans]");
            try
            {
                await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hans", new() { Timeout = 10_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
        // The new document's circuit is live (the old document's marker went with it).
        await page.Locator("#portal-interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.EndsWith("/instances", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
    }

    private static async Task<string> CreateUserAsync(HttpClient api, string userName, string role, string password)
    {
        using var response = await api.PostAsJsonAsync("api/v1/users", new { userName, role, password });
        var created = await ApiTestKit.JsonAsync(response, HttpStatusCode.Created);
        return created.GetProperty("user").GetProperty("id").GetString()!;
    }

    private static async Task CreateInstanceAsync(HttpClient api, string name, string ownerId)
    {
        using var response = await api.PostAsJsonAsync("api/v1/instances", new
        {
            name,
            ownerId,
            maxDesktops = 10, maxImages = 5, maxUsers = 20, maxVcpus = 64, maxVmemGib = 256, maxVdiskGib = 2048,
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(response, HttpStatusCode.Created);
    }

    private static string[] Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToArray();
}
