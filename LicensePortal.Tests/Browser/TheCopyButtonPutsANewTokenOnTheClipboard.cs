using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// In Chromium, under the portal's Content Security Policy: the copy button next to a new API token puts exactly that
/// token on the clipboard (through portal.js's copyText, no inline script) and says "Copied".
/// </summary>
public sealed class TheCopyButtonPutsANewTokenOnTheClipboard
{
    [Fact]
    public async Task Clicking_the_copy_button_of_a_new_token_puts_the_token_on_the_clipboard()
    {
        await using var portal = await PortalProcess.StartAsync();
        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = portal.BaseAddress.ToString(),
                Locale = "en-US",
                Permissions = ["clipboard-read", "clipboard-write"],
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(45_000);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("tokens");

            await page.FillAsync("#token-name", "clipboard check");
            await page.ClickAsync("#create-token");
            var secret = (await page.Locator("#new-token-secret").TextContentAsync())!;
            Assert.False(string.IsNullOrWhiteSpace(secret));
            await page.ClickAsync("#copy-new-token");

            await page.Locator(".mud-snackbar", new PageLocatorOptions { HasText = "Copied" }).WaitForAsync();
            Assert.Equal(secret, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
