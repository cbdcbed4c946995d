using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>The first administrator, in a real Chromium against the real portal process.</summary>
public sealed class AdministratorJourneyTests
{
    [Fact]
    public async Task The_first_administrator_signs_in_creates_a_user_and_an_instance_and_finds_it_in_the_grid()
    {
        await using var portal = await PortalProcess.StartAsync();
        var (playwright, browser) = await Browsers.LaunchAsync();
        var page = await browser.NewPortalPageAsync(portal);
        try
        {

            // Anonymous: the portal sends us to sign in.
            await page.GotoAsync("instances");
            await page.WaitForURLAsync("**/Identity/Account/Login**");
            await page.FillAsync("#Input_UserName", PortalProcess.AdminUserName);
            await page.FillAsync("#Input_Password", PortalProcess.AdminPassword);
            await page.ClickAsync("#login-submit");
            await page.WaitForURLAsync("**/instances");

            // Create a customer account with a generated password.
            await page.GotoInteractiveAsync("users");
            await page.OpenDialogAsync("#users-create", "#field-username");
            await page.FillAsync("#field-username", "customer-one");
            await page.FillAsync("#field-email", "one@example.com");
            await page.FillAsync("#field-phone", "13800138000");
            await page.FillAsync("#field-organization", "Acme");
            await page.ClickAsync("#user-save");
            var password = await page.Locator("#initial-password").InnerTextAsync();
            Assert.True(password.Length >= 12, $"generated password shown once: '{password}'");
            await page.ClickAsync("#user-done");
            await page.Locator("#users-grid").GetByText("customer-one").WaitForAsync();

            // Create an instance for that customer.
            await page.GotoInteractiveAsync("instances");
            await page.OpenDialogAsync("#instances-create", "#field-name");
            await page.FillAsync("#field-name", "acme-prod-01");
            // Typed before the owner is picked: the owner search is a server round trip, so by the time its list shows, the
            // server has taken this value too (a click straight after typing can overtake MudBlazor's async input handler).
            await page.FillAsync("#field-maxdesktops", "50");
            await page.FillAsync("#field-owner", "customer");
            await page.Locator(".mud-popover-open .mud-list-item").GetByText("customer-one").ClickAsync();
            // The server confirms the pick before Save is clicked (a click can overtake MudBlazor's async selection).
            await Assertions.Expect(page.Locator("#owner-chosen")).ToContainTextAsync("customer-one");
            await page.ClickAsync("#instance-save");

            var row = page.Locator("#instances-grid tr", new PageLocatorOptions { HasText = "acme-prod-01" });
            await row.WaitForAsync();
            Assert.Contains("customer-one", await row.InnerTextAsync());
            // Administrators edit quotas in place: the cells are inputs holding the saved values.
            Assert.Equal("50", await row.Locator("input[data-quota=MaxDesktops], [data-quota=MaxDesktops] input").InputValueAsync());
            Assert.Equal("TOUPLOAD", await row.Locator(".status-badge").GetAttributeAsync("data-status"));

            // Edit in place: a quota saves when its cell is left, the expiry date when its cell is left (not while typing).
            // What was saved shows on a second page, open beside this one, without reloading it.
            var other = await browser.NewPortalPageAsync(portal);
            await other.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await other.GotoInteractiveAsync("instances");
            var otherRow = other.Locator("#instances-grid tr", new PageLocatorOptions { HasText = "acme-prod-01" });
            await Assertions.Expect(otherRow.Locator("input[data-quota=MaxImages]")).ToHaveValueAsync("0");

            await row.Locator("input[data-quota=MaxImages]").FillAsync("7");
            await row.Locator("input[data-quota=MaxImages]").PressAsync("Tab");
            await Assertions.Expect(otherRow.Locator("input[data-quota=MaxImages]")).ToHaveValueAsync("7");
            await row.Locator("input[data-field=ExpiresOn]").FillAsync("2031-06-30");
            // Tab would only move between the date's own month, day and year fields: leave it as a click elsewhere does.
            await row.Locator("input[data-field=ExpiresOn]").BlurAsync();
            await Assertions.Expect(otherRow.Locator("input[data-field=ExpiresOn]")).ToHaveValueAsync("2031-06-30");
            await Assertions.Expect(otherRow.Locator("input[data-quota=MaxDesktops]")).ToHaveValueAsync("50");

            // A cell being typed in keeps its text when another cell of its row changes elsewhere, and saves when it is left.
            await otherRow.Locator("input[data-quota=MaxUsers]").FillAsync("9");
            await row.Locator("input[data-quota=MaxVcpus]").FillAsync("12");
            await row.Locator("input[data-quota=MaxVcpus]").PressAsync("Tab");
            await Assertions.Expect(otherRow.Locator("input[data-quota=MaxVcpus]")).ToHaveValueAsync("12");
            Assert.Equal("9", await otherRow.Locator("input[data-quota=MaxUsers]").InputValueAsync());
            await otherRow.Locator("input[data-quota=MaxUsers]").PressAsync("Tab");
            await Assertions.Expect(row.Locator("input[data-quota=MaxUsers]")).ToHaveValueAsync("9");
            await Assertions.Expect(row.Locator("input[data-quota=MaxVcpus]")).ToHaveValueAsync("12");
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-browser-failure-{Guid.NewGuid():N}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {page.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
