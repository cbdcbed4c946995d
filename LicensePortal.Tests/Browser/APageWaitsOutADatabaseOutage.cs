using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// An administrator's pages while PostgreSQL is down: instead of the error page (or a dead circuit), a "temporarily
/// unavailable, retrying" notice; when the server is back the page loads its data by itself, without a reload by hand.
/// Both ways a page meets the outage: moving to another page of the open circuit, and opening a page afresh.
/// </summary>
public sealed class APageWaitsOutADatabaseOutage
{
    [SkippableFact]
    public async Task The_page_shows_the_retrying_notice_while_the_database_is_down_and_recovers_by_itself()
    {
        PrivatePostgres.SkipIfUnavailable();
        await using var server = await PrivatePostgres.CreateAsync();
        var database = await server.CreateDatabaseAsync();
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__LicensePortal"] = database.ConnectionString,
        });
        var (playwright, browser) = await Browsers.LaunchAsync();
        var page = await browser.NewPortalPageAsync(portal);
        try
        {
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("instances");
            await page.Locator("#instances-grid").WaitForAsync();
            var notice = page.Locator("#database-unavailable");

            // In the open circuit: the next page cannot load its data.
            await server.StopAsync();
            await page.Locator("nav a.mud-nav-link", new() { HasText = "Home" }).ClickAsync();
            await Assertions.Expect(notice).ToBeVisibleAsync();
            await Assertions.Expect(notice).ToContainTextAsync("temporarily unavailable");
            await server.StartAsync();
            await Assertions.Expect(page.GetByText("Welcome to LicensePortal")).ToBeVisibleAsync();
            await Assertions.Expect(notice).ToHaveCountAsync(0);

            // A page opened afresh during the outage.
            await server.StopAsync();
            await page.GotoAsync("instances");
            await Assertions.Expect(notice).ToBeVisibleAsync();
            await server.StartAsync();
            await Assertions.Expect(page.Locator("#instances-grid")).ToBeVisibleAsync();
            await Assertions.Expect(notice).ToHaveCountAsync(0);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/lp-outage-page.png" });
            throw new InvalidOperationException($"{ex.Message}\nportal output:\n{(portal.Output.Length > 4000 ? portal.Output[^4000..] : portal.Output)}", ex);
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
