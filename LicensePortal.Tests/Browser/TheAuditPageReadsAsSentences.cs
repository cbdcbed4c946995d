using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// The audit page as a support engineer reads it, in English and Chinese, at 1440x900 and on a phone: each entry is a
/// sentence, its changed fields open as "Max images 0 → 7" with the field's name in the page's language, the raw JSON
/// only behind "Details", the filters above the table (not over it), and the action and target type filters list
/// their names, not the stored codes.
/// </summary>
[Collection(DesktopGridsCollection.Name)]
public sealed class TheAuditPageReadsAsSentences(DesktopPortal desktop)
{
    private const string Instance = "audit-read-01";

    public static TheoryData<string, int, int, string, string, string, string> Views => new()
    {
        { "en-US", 1440, 900, "admin changed instance " + Instance, "Max images 0 → 7", "Instance changed", "Instance" },
        { "zh-CN", 1440, 900, "admin 修改了实例 " + Instance, "最大镜像数 0 → 7", "修改实例", "实例" },
        { "en-US", 390, 844, "admin changed instance " + Instance, "Max images 0 → 7", "Instance changed", "Instance" },
        { "zh-CN", 390, 844, "admin 修改了实例 " + Instance, "最大镜像数 0 → 7", "修改实例", "实例" },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public async Task Entries_are_sentences_with_their_changes_json_only_behind_details_and_filters_beside_not_over_the_table(
        string locale, int width, int height, string sentence, string change, string actionName, string targetTypeName)
    {
        if (!_seeded)
        {
            // The four views share one instance and its one change (the collection's portal outlives each case).
            using var seed = await PortalSeed.ForAsync(desktop.Portal);
            await seed.InstanceAsync(Instance, desktop.CustomerId);
            await seed.UpdateInstanceAsync(Instance, new { maxImages = 7 });
            _seeded = true;
        }
        var context = await desktop.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = desktop.Portal.BaseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        try
        {
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(45_000);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("audit");

            // The action filter names actions in the page's language; choosing one shows its name, not its code.
            var action = page.Locator("#audit-action");
            await action.ClickAsync();
            var option = page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = actionName }).First;
            await option.WaitForAsync();
            var listed = await page.Locator(".mud-popover-open .mud-list-item").AllInnerTextsAsync();
            Assert.DoesNotContain(listed, text => text.Contains("instance.update", StringComparison.Ordinal) || text.Contains("hostinfo.", StringComparison.Ordinal));
            await option.ClickAsync();
            await ShowsChosenAsync(page, "#audit-action", actionName);
            await page.Keyboard.PressAsync("Escape");
            await page.Locator("#audit-target-type").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = targetTypeName }).First.ClickAsync();
            await ShowsChosenAsync(page, "#audit-target-type", targetTypeName);
            await page.Keyboard.PressAsync("Escape");
            await page.Locator("input#audit-target, #audit-target input").First.FillAsync(Instance);

            var entry = page.Locator("#audit-grid tbody tr", new() { Has = page.Locator(".audit-sentence") });
            await Assertions.Expect(entry).ToHaveCountAsync(1);
            await Assertions.Expect(entry.Locator(".audit-sentence")).ToHaveTextAsync(sentence);
            await Assertions.Expect(page.Locator("#audit-grid")).Not.ToContainTextAsync("maxImages"); // no JSON until asked for

            // The filters end above the table's header: none lies over it.
            var filters = await page.Locator("#audit-filters").BoundingBoxAsync();
            var header = await page.Locator("#audit-grid thead").BoundingBoxAsync();
            Assert.True(filters is not null && header is not null, "the filters or the table header are not shown");
            Assert.True(filters!.Y + filters.Height <= header!.Y + 0.5, $"the filters (bottom {filters.Y + filters.Height}) overlap the table header (top {header.Y})");

            // The expanded changes are the grid's detail row, below the entry's own row; the filter left one entry.
            await ExpandAsync(entry.Locator(".audit-expand"));
            var grid = page.Locator("#audit-grid");
            await Assertions.Expect(grid.Locator(".audit-change")).ToHaveTextAsync([change]);
            await Assertions.Expect(grid.Locator(".audit-raw")).ToHaveCountAsync(0);
            await grid.Locator(".audit-details").ClickAsync();
            await Assertions.Expect(grid.Locator(".audit-raw pre").Last).ToContainTextAsync("\"maxImages\":7");

            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            Assert.True(widths[0] <= widths[1], $"the audit page is {widths[0]} px wide on a {widths[1]} px screen");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private static bool _seeded;

    /// <summary>
    /// Opens the entry's changes. The target filter reloads the grid after its debounce, and a click that lands while
    /// the rows are redrawn goes to a row that is gone (as it would for a person): click again until it is open.
    /// </summary>
    private static async Task ExpandAsync(ILocator expand)
    {
        for (var attempt = 0; attempt < 5 && await expand.GetAttributeAsync("aria-expanded") != "true"; attempt++)
        {
            await expand.ClickAsync();
            try
            {
                await Assertions.Expect(expand).ToHaveAttributeAsync("aria-expanded", "true", new() { Timeout = 3_000 });
            }
            catch (PlaywrightException)
            {
                // redrawn under the click; the loop clicks the new row
            }
        }
    }

    /// <summary>The closed select shows the chosen name (in its input or its text), not the stored code.</summary>
    private static async Task ShowsChosenAsync(IPage page, string select, string name)
    {
        // MudSelect puts the id on its input; the shown text may be the input's value or the text beside it.
        const string Shows = """
            ([select, name]) => {
                const s = document.querySelector(select);
                if (!s) return false;
                const root = s.closest('.mud-select') ?? s.closest('.mud-input-control') ?? s;
                const inputs = [...root.querySelectorAll('input'), ...(s.matches('input') ? [s] : [])];
                return inputs.some(i => i.value === name) || root.innerText.includes(name);
            }
            """;
        try
        {
            await page.WaitForFunctionAsync(Shows, new[] { select, name }, new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            var html = await page.EvaluateAsync<string>("s => { const e = document.querySelector(s); return (e?.closest('.mud-input-control') ?? e)?.outerHTML ?? 'missing'; }", select);
            Assert.Fail($"{select} does not show '{name}': {html}");
        }
    }
}
