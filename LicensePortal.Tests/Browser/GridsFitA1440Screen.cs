using System.Text.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// At 1440x900, in English and in Chinese, as an administrator (the widest views): the instances and users tables show
/// every column without scrolling sideways (the Downloads and edit columns included), every header takes at most two
/// lines (its sort arrow included), the quota headers name the full quota in their title, and no state chip is cut.
/// </summary>
[Collection(DesktopGridsCollection.Name)]
public sealed class GridsFitA1440Screen(DesktopPortal desktop)
{
    // Per header cell: the number of lines its text takes (distinct line boxes of its text nodes).
    private const string HeaderLines = """
        table => [...table.querySelectorAll('thead th')].map(th => {
            const tops = new Set();
            let top = Infinity, bottom = -Infinity;
            const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (!node.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const rect of range.getClientRects()) {
                    if (rect.width === 0) continue;
                    tops.add(Math.round(rect.top));
                    top = Math.min(top, rect.top);
                    bottom = Math.max(bottom, rect.bottom);
                }
            }
            // A sort label's arrow takes room even while hidden (opacity 0): a header whose arrow wraps under two lines
            // of text is three lines tall.
            for (const icon of th.querySelectorAll('svg')) {
                const rect = icon.getBoundingClientRect();
                if (rect.width === 0) continue;
                top = Math.min(top, rect.top);
                bottom = Math.max(bottom, rect.bottom);
            }
            // The header's text block height against its line height (the cell itself is as tall as the row's tallest header).
            const style = getComputedStyle(th);
            const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
            const height = bottom > top ? bottom - top : 0;
            return { text: th.textContent.trim(), lines: tops.size, heightLines: height / lineHeight, right: th.getBoundingClientRect().right, cut: th.scrollWidth > th.clientWidth + 1 };
        })
        """;

    [Fact]
    public async Task Instances_and_users_show_every_column_with_headers_on_at_most_two_lines_and_whole_state_chips()
    {
        using (var seed = await PortalSeed.ForAsync(desktop.Portal))
        {
            await seed.InstanceAsync("fit-01", desktop.CustomerId);
            await seed.InstanceAsync("fit-02-a-rather-long-instance-name", desktop.CustomerId);
        }
        var problems = new List<string>();
        foreach (var locale in new[] { "en-US", "zh-CN" })
        {
            var page = await desktop.AdministratorPageAsync(locale);
            await page.GotoInteractiveAsync("instances");
            await page.Locator("#instances-grid tbody tr[data-id]").First.WaitForAsync();
            await CheckTableAsync(page, page.Locator("#instances-grid"), $"[{locale}] /instances", expectedColumns: 12, problems);
            var titles = await page.Locator("#instances-grid thead th.quota-head").EvaluateAllAsync<string[]>("ths => ths.map(th => th.title)");
            if (titles.Length != 6 || titles.Any(string.IsNullOrEmpty))
            {
                problems.Add($"[{locale}] /instances: the quota headers do not all carry the full name as their title: {string.Join(", ", titles)}");
            }
            var chips = await page.Locator("#instances-grid .status-badge").EvaluateAllAsync<string[]>("""
                chips => chips.filter(chip => chip.scrollWidth > chip.clientWidth + 1 || chip.getBoundingClientRect().right > chip.closest('td').getBoundingClientRect().right + 0.5)
                              .map(chip => chip.textContent)
                """);
            problems.AddRange(chips.Select(c => $"[{locale}] /instances: the state chip '{c}' is cut"));

            await page.GotoInteractiveAsync("users");
            await page.Locator("#users-grid tbody tr").First.WaitForAsync();
            await CheckTableAsync(page, page.Locator("#users-grid table"), $"[{locale}] /users", expectedColumns: 10, problems);
            await page.Context.CloseAsync();
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static async Task CheckTableAsync(IPage page, ILocator table, string where, int expectedColumns, List<string> problems)
    {
        var heads = (await table.EvaluateAsync<JsonElement>(HeaderLines)).EnumerateArray()
            .Select(h => new Header(h.GetProperty("text").GetString()!, h.GetProperty("lines").GetInt32(), h.GetProperty("heightLines").GetDouble(), h.GetProperty("right").GetDouble(), h.GetProperty("cut").GetBoolean()))
            .ToArray();
        if (heads.Length != expectedColumns)
        {
            problems.Add($"{where}: {heads.Length} columns, expected {expectedColumns}");
        }
        var viewport = await page.EvaluateAsync<double>("() => document.documentElement.clientWidth");
        foreach (var head in heads)
        {
            if (head.Lines > 2 || head.HeightLines > 2.5)
            {
                problems.Add($"{where}: the header '{head.Text}' takes {head.Lines} lines ({head.HeightLines:0.0} line heights)");
            }
            if (head.Cut)
            {
                problems.Add($"{where}: the header '{head.Text}' is wider than its column");
            }
            if (head.Right > viewport + 0.5)
            {
                problems.Add($"{where}: the column '{head.Text}' ends at {head.Right:0} px, beyond the {viewport:0} px screen");
            }
        }
        var scrolls = await table.EvaluateAsync<bool>("t => { const c = t.closest('.mud-table-container'); return c.scrollWidth > c.clientWidth + 1; }");
        if (scrolls)
        {
            problems.Add($"{where}: the table scrolls sideways: some columns are off screen");
        }
    }

    private sealed record Header(string Text, int Lines, double HeightLines, double Right, bool Cut);
}
