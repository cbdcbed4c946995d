using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// An administrator types a quota the rules refuse into the live grid: the cell keeps the text, is marked invalid and
/// shows the rule's message right under itself; nothing is saved; a valid value typed next saves and the message goes.
/// The expiry cell reads and takes yyyy-MM-dd, as every date in the portal, whatever the browser's own locale.
/// </summary>
[Collection(DesktopGridsCollection.Name)]
public sealed class AnInvalidQuotaIsExplainedOnItsCell(DesktopPortal desktop)
{
    [Fact]
    public async Task A_refused_quota_shows_the_rules_message_on_its_cell_and_is_not_saved()
    {
        using (var seed = await PortalSeed.ForAsync(desktop.Portal))
        {
            await seed.InstanceAsync("refused-01", desktop.CustomerId, maxDesktops: 5);
        }
        var page = await desktop.AdministratorPageAsync();
        await page.GotoInteractiveAsync("instances?name=refused-");
        var row = page.Locator("#instances-grid tr[data-id]", new() { HasText = "refused-01" });
        var desktops = row.Locator("input[data-quota=MaxDesktops]");
        await Assertions.Expect(desktops).ToHaveValueAsync("5");

        await desktops.FillAsync("100001");
        await desktops.PressAsync("Tab");
        var cell = row.Locator("td.cell-refused");
        var message = cell.Locator(".cell-refused-message");
        await Assertions.Expect(message).ToHaveTextAsync("Enter a whole number from 0 to 100000.");
        await Assertions.Expect(message).ToBeVisibleAsync();
        await Assertions.Expect(cell.Locator("input[data-quota=MaxDesktops]")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(cell.Locator("input[data-quota=MaxDesktops]")).ToHaveValueAsync("100001");
        // On the cell: the message starts under it, where the eye is, not in a toast at the screen's edge.
        var cellBox = (await cell.BoundingBoxAsync())!;
        var messageBox = (await message.BoundingBoxAsync())!;
        Assert.InRange(messageBox.Y - (cellBox.Y + cellBox.Height), -2, 2);
        Assert.InRange(messageBox.X, cellBox.X - 2, cellBox.X + cellBox.Width);

        // Nothing was saved.
        var stored = await desktop.AdministratorPageAsync();
        await stored.GotoInteractiveAsync("instances?name=refused-");
        await Assertions.Expect(stored.Locator("#instances-grid tr[data-id]", new() { HasText = "refused-01" }).Locator("input[data-quota=MaxDesktops]")).ToHaveValueAsync("5");

        // A valid value in the same cell saves, and the message goes.
        await cell.Locator("input[data-quota=MaxDesktops]").FillAsync("7");
        await cell.Locator("input[data-quota=MaxDesktops]").PressAsync("Tab");
        await Assertions.Expect(page.Locator(".cell-refused-message")).ToHaveCountAsync(0);
        await stored.ReloadAsync();
        await Assertions.Expect(stored.Locator("#instances-grid tr[data-id]", new() { HasText = "refused-01" }).Locator("input[data-quota=MaxDesktops]")).ToHaveValueAsync("7");
        await page.Context.CloseAsync();
        await stored.Context.CloseAsync();
    }

    [Fact]
    public async Task An_expiry_date_reads_and_is_typed_as_yyyy_MM_dd_on_a_Chinese_page_in_an_English_browser()
    {
        using (var seed = await PortalSeed.ForAsync(desktop.Portal))
        {
            await seed.InstanceAsync("date-01", desktop.CustomerId, maxDesktops: 5);
        }
        // An English Chromium (its date inputs would read 12/31/2031), the portal switched to Chinese.
        var page = await desktop.AdministratorPageAsync("en-US");
        await page.GotoAsync("culture/set?culture=zh-Hans&redirectUri=" + Uri.EscapeDataString("/instances?name=date-"));
        await page.GotoInteractiveAsync("instances?name=date-");
        var row = page.Locator("#instances-grid tr[data-id]", new() { HasText = "date-01" });
        var expiry = row.Locator("input[data-field=ExpiresOn]");
        // What is on the screen is the text in the box: a date input's shown text is the browser's, not its value.
        Assert.Equal("2031-12-31", await expiry.EvaluateAsync<string>("e => e.type === 'text' ? e.value : '(drawn by the browser in its locale)'"));

        // Typed key by key as a person does, in the other order: refused in Chinese on the cell, nothing saved.
        await expiry.ClickAsync();
        await expiry.PressAsync("Control+A");
        await expiry.PressSequentiallyAsync("06/30/2032");
        await expiry.PressAsync("Tab");
        var message = row.Locator("td.cell-refused .cell-refused-message");
        await Assertions.Expect(message).ToHaveTextAsync("请按 yyyy-MM-dd 格式输入日期，例如 2031-12-31。");
        await Assertions.Expect(row.Locator("input[data-field=ExpiresOn]")).ToHaveAttributeAsync("aria-invalid", "true");
        var stored = await desktop.AdministratorPageAsync();
        await stored.GotoInteractiveAsync("instances?name=date-");
        var storedExpiry = stored.Locator("#instances-grid tr[data-id]", new() { HasText = "date-01" }).Locator("input[data-field=ExpiresOn]");
        await Assertions.Expect(storedExpiry).ToHaveValueAsync("2031-12-31");

        // The same date written yyyy-MM-dd saves, and the message goes.
        expiry = row.Locator("input[data-field=ExpiresOn]");
        await expiry.ClickAsync();
        await expiry.PressAsync("Control+A");
        await expiry.PressSequentiallyAsync("2032-06-30");
        await expiry.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".cell-refused-message")).ToHaveCountAsync(0);
        await stored.ReloadAsync();
        await Assertions.Expect(storedExpiry).ToHaveValueAsync("2032-06-30");
        await page.Context.CloseAsync();
        await stored.Context.CloseAsync();
    }
}
