using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// The instances table's filter, sort, page size and page are in the address as they are chosen, and opening that
/// address in a fresh browser shows the same view: a view can be bookmarked and shared.
/// </summary>
[Collection(DesktopGridsCollection.Name)]
public sealed class TheInstancesViewIsInTheUrl(DesktopPortal desktop)
{
    [Fact]
    public async Task Filter_sort_and_page_chosen_on_the_page_are_in_its_address_and_the_address_restores_them()
    {
        using (var seed = await PortalSeed.ForAsync(desktop.Portal))
        {
            for (var i = 0; i < 12; i++)
            {
                await seed.InstanceAsync($"url-{i:00}", desktop.CustomerId);
            }
            await seed.InstanceAsync("urm-00", desktop.CustomerId); // sorts among them, filtered out by the prefix
        }
        var page = await desktop.AdministratorPageAsync();
        await page.GotoInteractiveAsync("instances");
        await page.FillAsync("#filter-name", "url-");
        await page.WaitForURLAsync(url => url.Contains("name=url-", StringComparison.Ordinal));
        await page.SelectOptionAsync("#instances-page-size", "10");
        await page.WaitForURLAsync(url => url.Contains("size=10", StringComparison.Ordinal));
        var nameHeader = page.Locator("#instances-grid thead button[data-sort=Name]");
        await nameHeader.ClickAsync(); // already sorted by name ascending: descending now
        await page.WaitForURLAsync(url => url.Contains("sort=-Name", StringComparison.Ordinal));
        await page.ClickAsync("#instances-next");
        await page.WaitForURLAsync(url => url.Contains("page=2", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#instances-grid a.instance-link")).ToHaveTextAsync(["url-01", "url-00"]);
        var address = page.Url;

        // Someone opens the shared address.
        var other = await desktop.AdministratorPageAsync();
        await other.GotoInteractiveAsync(address);
        await Assertions.Expect(other.Locator("#instances-grid a.instance-link")).ToHaveTextAsync(["url-01", "url-00"]);
        await Assertions.Expect(other.Locator("#filter-name")).ToHaveValueAsync("url-");
        await Assertions.Expect(other.Locator("#instances-page-size")).ToHaveValueAsync("10");
        await Assertions.Expect(other.Locator("#instances-grid thead th.name-head")).ToHaveAttributeAsync("aria-sort", "descending");
        await Assertions.Expect(other.Locator("#instances-pager-info")).ToContainTextAsync("11-12");
        await page.Context.CloseAsync();
        await other.Context.CloseAsync();
    }
}
