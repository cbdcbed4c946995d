using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// The users table's search, sort, page size and page are in the address as they are chosen (the instances table's
/// spelling, Components/Shared/ViewInAddress), and opening that address in a fresh browser shows the same view.
/// </summary>
[Collection(DesktopGridsCollection.Name)]
public sealed class TheUsersViewIsInTheUrl(DesktopPortal desktop)
{
    [Fact]
    public async Task Search_sort_and_page_chosen_on_the_page_are_in_its_address_and_the_address_restores_them()
    {
        using (var seed = await PortalSeed.ForAsync(desktop.Portal))
        {
            for (var i = 0; i < 12; i++)
            {
                await seed.CustomerAsync($"urlu-{i:00}", DesktopPortal.CustomerPassword);
            }
            await seed.CustomerAsync("urlv-00", DesktopPortal.CustomerPassword); // sorts among them, left out by the search
        }
        var page = await desktop.AdministratorPageAsync();
        await page.GotoInteractiveAsync("users");
        await page.Locator("input#users-search, #users-search input").First.FillAsync("urlu-");
        await page.WaitForURLAsync(url => url.Contains("search=urlu-", StringComparison.Ordinal));
        await page.Locator("#users-grid .mud-table-pagination-select").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "10" }).First.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("size=10", StringComparison.Ordinal));
        var names = page.Locator("#users-grid tbody tr td:nth-child(2)");
        await Assertions.Expect(names.First).ToHaveTextAsync("urlu-00");
        // Sorted by user name ascending: its sort button turns it to descending.
        await page.Locator("#users-grid thead th", new() { HasTextString = "User name" }).Locator(".sort-direction-icon").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("sort=-UserName", StringComparison.Ordinal));
        await page.Locator("#users-grid .mud-table-pagination-actions button").Nth(2).ClickAsync(); // first, previous, next, last
        await page.WaitForURLAsync(url => url.Contains("page=2", StringComparison.Ordinal));
        await Assertions.Expect(names).ToHaveTextAsync(["urlu-01", "urlu-00"]);
        var address = page.Url;

        // Someone opens the shared address.
        var other = await desktop.AdministratorPageAsync();
        await other.GotoInteractiveAsync(address);
        await Assertions.Expect(other.Locator("#users-grid tbody tr td:nth-child(2)")).ToHaveTextAsync(["urlu-01", "urlu-00"]);
        await Assertions.Expect(other.Locator("input#users-search, #users-search input").First).ToHaveValueAsync("urlu-");
        await Assertions.Expect(other.Locator("#users-grid .mud-table-pagination-select input").First).ToHaveValueAsync("10");
        await Assertions.Expect(other.Locator("#users-grid .mud-table-pagination-caption").Last).ToContainTextAsync("11-12");
        await page.Context.CloseAsync();
        await other.Context.CloseAsync();
    }
}
