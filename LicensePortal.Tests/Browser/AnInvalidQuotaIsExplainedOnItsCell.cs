using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// An administrator types a quota the rules refuse into the live grid: the cell keeps the text, is marked invalid and
/// shows the rule's message right under itself; nothing is saved; a valid value typed next saves and the message goes.
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
}
