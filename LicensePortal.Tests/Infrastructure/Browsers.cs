using Microsoft.Playwright;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>Debian's Chromium, driven by Playwright through its executable path: nothing is downloaded.</summary>
public static class Browsers
{
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("LICENSEPORTAL_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Opens a portal page and waits until its circuit is interactive (prerendered buttons do nothing before that).</summary>
    public static async Task GotoInteractiveAsync(this IPage page, string url)
    {
        await page.GotoAsync(url);
        await page.Locator("#portal-interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    /// <summary>A fresh browser context (its own cookies) on the portal, English UI, downloads accepted.</summary>
    public static async Task<IPage> NewPortalPageAsync(this IBrowser browser, PortalProcess portal, float timeoutMs = 45_000)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString(), Locale = "en-US", AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(timeoutMs);
        return page;
    }

    /// <summary>Signs in through the portal's sign-in page and waits to leave it.</summary>
    public static async Task SignInAsync(this IPage page, string userName, string password)
    {
        await page.GotoAsync("Identity/Account/Login");
        await page.FillAsync("#Input_UserName", userName);
        await page.FillAsync("#Input_Password", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(url => !url.Contains("/Identity/Account/Login", StringComparison.Ordinal));
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}: install Debian's chromium package (bash .ci/run does).");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }
}
