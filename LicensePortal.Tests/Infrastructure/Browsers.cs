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

    /// <summary>
    /// Clicks a button that opens a dialog and waits for a field of that dialog. On a loaded machine a click that lands while
    /// the circuit swaps the prerendered page for the live one can be lost, as it would be for a person, who clicks again:
    /// so does this, but only while no dialog has opened.
    /// </summary>
    public static async Task OpenDialogAsync(this IPage page, string buttonSelector, string fieldSelector)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync(buttonSelector);
            try
            {
                await page.Locator(fieldSelector).WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
            if (await page.Locator(".mud-dialog").CountAsync() > 0)
            {
                // A dialog is open but slow to fill in: wait for it instead of opening a second one.
                await page.Locator(fieldSelector).WaitForAsync();
                return;
            }
        }
    }

    /// <summary>
    /// On /webhooks: opens the first endpoint's delivery log and waits for an attempt in it. A click lost while the circuit
    /// swaps the prerendered page for the live one is made again, but only while the log is still closed.
    /// </summary>
    public static async Task OpenWebhookLogAsync(this IPage page)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator(".webhook-show-deliveries").First.ClickAsync();
            try
            {
                await page.Locator(".webhook-delivery .webhook-attempt").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
            if (await page.Locator(".webhook-delivery, .webhook-no-deliveries").CountAsync() > 0)
            {
                // The log is open but slow to fill in, or empty: wait for it instead of closing it again.
                await page.Locator(".webhook-delivery .webhook-attempt").First.WaitForAsync();
                return;
            }
        }
    }

    /// <summary>A fresh browser context (its own cookies) on the portal, English UI unless <paramref name="locale"/> says otherwise, downloads accepted.</summary>
    public static async Task<IPage> NewPortalPageAsync(this IBrowser browser, PortalProcess portal, float timeoutMs = 45_000, string locale = "en-US")
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString(), Locale = locale, AcceptDownloads = true });
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
