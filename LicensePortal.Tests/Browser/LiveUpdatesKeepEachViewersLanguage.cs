using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LicensePortal.Licensing;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// Two English pages (an administrator's instances grid and support desk) and two Chinese ones (a customer's instances
/// grid, a support engineer's desk) stay open while an English administrator edits in the grid and a Chinese customer
/// uploads host info and downloads until the downloads pause. Every page redraws for every change, and each stays
/// entirely in its own viewer's language: title, column headers, pager, status chips and their tooltips; no page ever
/// shows a resource key or an unfilled "{0}".
/// </summary>
public sealed partial class LiveUpdatesKeepEachViewersLanguage
{
    private const string Instance = "lang-01";
    private const string CustomerPassword = "Kunde-Passw0rd!1";
    private const string SupportPassword = "Supp0rt-Passw0rd!";

    private static readonly string[] InstancesTexts = ["Nav.Instances", "Instance.Name", "Instance.Status", "Instance.ExpiresOnShort", "Instance.DownloadCount", "Grid.RowsPerPage"];
    private static readonly string[] SupportTexts = ["Support.Title", "Instance.Name", "Instance.Owner", "Instance.Status", "Support.ChangedAt", "Support.LastSeen"];

    [Fact]
    public async Task English_and_Chinese_pages_stay_in_their_language_whoever_made_the_change()
    {
        // One download, then the next one pauses downloads: the pause's tooltip carries a time.
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string> { ["Licensing__DownloadLimit"] = "1" });
        using var admin = new HttpClient { BaseAddress = portal.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(admin, PortalProcess.AdminUserName, PortalProcess.AdminPassword));
        await JsonAsync(await admin.PostAsJsonAsync("api/v1/users", new { userName = "desk-zh", password = SupportPassword, role = "Support" }));
        var customer = await JsonAsync(await admin.PostAsJsonAsync("api/v1/users", new { userName = "kunde", password = CustomerPassword, role = "User" }));
        await JsonAsync(await admin.PostAsJsonAsync("api/v1/instances", new
        {
            name = Instance, ownerId = customer.GetProperty("user").GetProperty("id").GetString(), maxDesktops = 5, expiresAt = "2031-12-31",
        }));

        var (playwright, browser) = await Browsers.LaunchAsync();
        var pages = new List<(IPage Page, string Culture, string Name)>();
        IPage? current = null;
        try
        {
            var english = await ContextAsync(browser, portal, "en-US");
            current = english;
            await english.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await english.GotoInteractiveAsync("instances");
            var englishDesk = await english.Context.NewPageAsync();
            englishDesk.SetDefaultTimeout(45_000);
            await englishDesk.GotoInteractiveAsync("support");

            var chineseCustomer = current = await ContextAsync(browser, portal, "zh-CN");
            await chineseCustomer.SignInAsync("kunde", CustomerPassword);
            await chineseCustomer.GotoInteractiveAsync("instances");
            var chineseDesk = current = await ContextAsync(browser, portal, "zh-CN");
            await chineseDesk.SignInAsync("desk-zh", SupportPassword);
            await chineseDesk.GotoInteractiveAsync("support");

            pages.AddRange([(english, ResourceFiles.English, "instances"), (englishDesk, ResourceFiles.English, "support"),
                (chineseCustomer, ResourceFiles.Chinese, "instances"), (chineseDesk, ResourceFiles.Chinese, "support")]);
            await ExpectEveryPageAsync(pages, "TOUPLOAD");

            // The English administrator edits a quota in the grid: the Chinese pages redraw, in Chinese.
            current = english;
            var desktops = english.Locator("#instances-grid tr", new() { HasText = Instance }).Locator("input[data-quota=MaxDesktops]");
            await desktops.FillAsync("33");
            await desktops.PressAsync("Tab");
            current = chineseCustomer;
            await Assertions.Expect(Row(chineseCustomer, "instances")).ToContainTextAsync("33");
            current = chineseDesk;
            await Assertions.Expect(Row(chineseDesk, "support")).ToHaveClassAsync(JustChanged());
            current = englishDesk;
            await Assertions.Expect(Row(englishDesk, "support")).ToHaveClassAsync(JustChanged());
            await ExpectEveryPageAsync(pages, "TOUPLOAD");

            // The Chinese customer's host uploads its host info and downloads until the downloads pause, all with a
            // Chinese Accept-Language: the English pages redraw, in English.
            using var kunde = new HttpClient { BaseAddress = portal.BaseAddress };
            kunde.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");
            kunde.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(kunde, "kunde", CustomerPassword));
            var hostInfo = HostInfoFile.Write(Instance, "52:54:00:12:34:56", "SN-LANG", HostKey.Generate(), DateTimeOffset.UtcNow);
            await JsonAsync(await kunde.PostAsync(new Uri($"api/v1/instances/{Instance}/hostinfo", UriKind.Relative), new StringContent(hostInfo, System.Text.Encoding.UTF8, "text/plain")));
            using (var first = await kunde.PostAsync(new Uri($"api/v1/instances/{Instance}/license", UriKind.Relative), null))
            {
                Assert.True(first.IsSuccessStatusCode, $"{(int)first.StatusCode}: {await first.Content.ReadAsStringAsync()}");
            }
            using (var second = await kunde.PostAsync(new Uri($"api/v1/instances/{Instance}/license", UriKind.Relative), null))
            {
                Assert.Equal(429, (int)second.StatusCode);
            }
            await ExpectEveryPageAsync(pages, "DOWNLOADERROR");
            foreach (var (page, culture, name) in pages)
            {
                current = page;
                // The pause's reason as a sentence with its end: "… paused until 2026-12-02 05:40:00 UTC."
                var sentence = ResourceFiles.Texts(culture)["License.TooManyDownloads"];
                var shape = "^" + Regex.Escape(sentence).Replace(@"\{0}", @"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", StringComparison.Ordinal) + "$";
                await Assertions.Expect(Row(page, name).Locator(".status-badge")).ToHaveAttributeAsync("title", new Regex(shape));
            }
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException && current is not null)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-language-failure-{Guid.NewGuid():N}.png");
            await current!.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>
    /// Waits until every page shows the instance in <paramref name="status"/> (its redraw for the last change), then checks
    /// each is in its own language and shows no key or placeholder.
    /// </summary>
    private static async Task ExpectEveryPageAsync(List<(IPage Page, string Culture, string Name)> pages, string status)
    {
        foreach (var (page, culture, name) in pages)
        {
            var chip = Row(page, name).Locator(".status-badge");
            await Assertions.Expect(chip).ToHaveAttributeAsync("data-status", status);
            var own = ResourceFiles.Texts(culture);
            var other = ResourceFiles.Texts(culture == ResourceFiles.English ? ResourceFiles.Chinese : ResourceFiles.English);
            await Assertions.Expect(chip).ToHaveTextAsync(own[$"Status.{status}"]);
            var where = $"{culture} /{name}";
            Assert.Equal(own[name == "support" ? "Support.Title" : "Nav.Instances"], await page.TitleAsync());

            var text = await page.Locator("body").InnerTextAsync();
            foreach (var key in name == "support" ? SupportTexts : InstancesTexts)
            {
                Assert.True(text.Contains(own[key], StringComparison.Ordinal), $"{where}: \"{own[key]}\" ({key}) is missing");
                Assert.False(text.Contains(other[key], StringComparison.Ordinal), $"{where}: shows \"{other[key]}\" ({key}) of the other language");
            }
            if (name == "instances")
            {
                Assert.Equal(own["Grid.PagerInfo"].Replace("{first_item}", "1", StringComparison.Ordinal).Replace("{last_item}", "1", StringComparison.Ordinal)
                    .Replace("{all_items}", "1", StringComparison.Ordinal), await page.Locator("#instances-pager-info").InnerTextAsync());
                Assert.Equal(own["Grid.NextPage"], await page.Locator("#instances-next").GetAttributeAsync("aria-label"));
            }
            else
            {
                // MudBlazor's pager, through the portal's texts.
                Assert.Equal(own["Mud.MudPagination_NextPage"], await page.Locator(".mud-pagination [aria-label]").Last.GetAttributeAsync("aria-label"));
            }
            if (culture == ResourceFiles.English)
            {
                Assert.False(Chinese().IsMatch(text.Replace("简体中文", "", StringComparison.Ordinal)), $"{where}: Chinese text on an English page:\n{text}");
            }
            AssertNoKeyOrPlaceholder(where, text, await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')].flatMap(e => ['title','aria-label','placeholder','alt'].map(a => e.getAttribute(a)).filter(v => v))"));
        }
    }

    /// <summary>No resource key (the texts' own names) and no "{0}" anywhere in the shown text or a label.</summary>
    private static void AssertNoKeyOrPlaceholder(string where, string text, string[] labels)
    {
        var problems = ShownTexts.KeysAndPlaceholders(where, labels.Prepend(text));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static ILocator Row(IPage page, string name) =>
        page.Locator(name == "support" ? "#support-board tr" : "#instances-grid tr", new() { HasText = Instance });

    private static async Task<IPage> ContextAsync(IBrowser browser, PortalProcess portal, string locale)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString(), Locale = locale });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(45_000);
        return page;
    }

    private static async Task<string> TokenAsync(HttpClient client, string userName, string password)
    {
        var created = await JsonAsync(await client.PostAsJsonAsync("api/v1/tokens", new { userName, password, name = "language", expiresInDays = 1 }));
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

    [GeneratedRegex("just-changed")]
    private static partial Regex JustChanged();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Chinese();
}
