using LicensePortal.Tests.Infrastructure;
using LicensePortal.Tests.Webhooks;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// Every page, signed in as an administrator and as a customer, in a real Chromium that enforces the portal's
/// Content-Security-Policy: no violation is reported, nothing is fetched from another host, and the pages still work
/// (a Blazor click changes the page; Scalar renders the API). /webhooks has an endpoint with a delivery (to a real
/// receiver), opened; the e-mail confirmation page opens from the link the real SMTP server received.
/// </summary>
public sealed class EveryPageWorksUnderTheContentSecurityPolicy
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";

    // Runs before the page's own scripts and outside its policy: records what the browser refused.
    private const string ViolationRecorder = """
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", e =>
            window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} (${e.sample})`));
        """;

    private static readonly string[] ManagePages =
    [
        "Identity/Account/Manage/ChangePassword",
        "Identity/Account/Manage/TwoFactorAuthentication",
        // The portal's own page (its QR code is inline SVG): also for the first administrator, who has no e-mail.
        "Identity/Account/Manage/EnableAuthenticator",
    ];

    [Fact]
    public async Task Administrator_and_customer_pages_the_sign_in_page_and_the_api_docs_report_no_violation_and_stay_interactive()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var portal = await PortalProcess.StartAsync(PortalSeed.MailAndWebhookSettings(smtp));
        using (var seed = await PortalSeed.ForAsync(portal))
        {
            var customer = await seed.CustomerAsync("csp-customer", CustomerPassword);
            await seed.InstanceAsync("csp-01", customer);
            await seed.WebhookWithADeliveryAsync(receiver, "csp-hook", customer);
        }
        var confirmationLink = await PortalSeed.ConfirmationLinkAsync(smtp, "csp-customer@example.com", portal);
        var (playwright, browser) = await Browsers.LaunchAsync();
        var problems = new List<string>();
        IPage? current = null;
        try
        {
            // Anonymous: the sign-in page.
            var anonymous = current = await WatchedPageAsync(browser, portal, problems);
            await anonymous.GotoAsync("Identity/Account/Login");
            await anonymous.Locator("#login-submit").WaitForAsync();
            await AssertNoViolationAsync(anonymous, problems, "sign-in page");
            await AssertIdentityPageWorksAsync(anonymous, confirmationLink.Replace("code=", "code=x", StringComparison.Ordinal), problems, "#email-not-confirmed");
            await AssertIdentityPageWorksAsync(anonymous, confirmationLink, problems, "#email-confirmed");

            var admin = current = await WatchedPageAsync(browser, portal, problems);
            await admin.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            foreach (var path in new[] { "", "instances", "instances/csp-01", "users", "support", "audit", "tokens", "vendor-keys", "webhooks", "account/email" })
            {
                await AssertBlazorPageWorksAsync(admin, path, problems);
                if (path == "webhooks")
                {
                    await admin.OpenWebhookLogAsync();
                    await AssertNoViolationAsync(admin, problems, "/webhooks with its delivery log open");
                }
            }
            foreach (var path in ManagePages)
            {
                await AssertIdentityPageWorksAsync(admin, path, problems);
            }
            await admin.GotoAsync("api/docs");
            // Scalar has fetched the document and rendered an operation from it.
            await admin.GetByText("Accounts, a page at a time").First.WaitForAsync();
            await AssertNoViolationAsync(admin, problems, "api/docs");

            var customer = current = await WatchedPageAsync(browser, portal, problems);
            await customer.SignInAsync("csp-customer", CustomerPassword);
            foreach (var path in new[] { "", "instances", "instances/csp-01", "tokens", "account/email" })
            {
                await AssertBlazorPageWorksAsync(customer, path, problems);
            }
            foreach (var path in ManagePages)
            {
                await AssertIdentityPageWorksAsync(customer, path, problems);
            }

            Assert.True(problems.Count == 0, "Under the policy:\n" + string.Join("\n", problems));
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException && current is not null)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-browser-failure-{Guid.NewGuid():N}.png");
            await current!.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}. Problems so far:\n{string.Join("\n", problems)}\nPortal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>A page that records violations, console reports of the policy, script errors and requests to other hosts.</summary>
    private static async Task<IPage> WatchedPageAsync(IBrowser browser, PortalProcess portal, List<string> problems)
    {
        var page = await browser.NewPortalPageAsync(portal);
        await page.AddInitScriptAsync(ViolationRecorder);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Content-Security-Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (problems) { problems.Add($"console on {page.Url}: {message.Text}"); }
            }
        };
        page.PageError += (_, error) => { lock (problems) { problems.Add($"script error on {page.Url}: {error}"); } };
        page.Request += (_, request) =>
        {
            var url = new Uri(request.Url);
            if (url.Scheme is "http" or "https" or "ws" or "wss" && url.Authority != portal.BaseAddress.Authority)
            {
                lock (problems) { problems.Add($"request to another host from {page.Url}: {request.Url}"); }
            }
        };
        return page;
    }

    /// <summary>Opens a Blazor page, waits for its circuit, and clicks the menu button: the server's answer changes the page.</summary>
    private static async Task AssertBlazorPageWorksAsync(IPage page, string path, List<string> problems)
    {
        await page.GotoInteractiveAsync(path);
        var toggle = page.Locator("#drawer-toggle");
        var before = await toggle.GetAttributeAsync("aria-expanded");
        var after = before == "true" ? "false" : "true";
        for (var attempt = 1; ; attempt++)
        {
            // A click that lands while the circuit swaps the prerendered page for the live one can be lost: click again.
            await toggle.ClickAsync();
            try
            {
                await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", after, new() { Timeout = 5_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
        await AssertNoViolationAsync(page, problems, "/" + path);
    }

    private static async Task AssertIdentityPageWorksAsync(IPage page, string path, List<string> problems, string shown = "main form, main a")
    {
        await page.GotoAsync(path);
        await page.Locator(shown).First.WaitForAsync();
        // The account pages run no script; their look is MudBlazor's theme, a <style> element the policy allows by hash.
        var primary = await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-primary').replaceAll(' ', '')");
        Assert.True(primary == "rgba(31,78,121,1)", $"the portal's theme is missing on {path}: --mud-palette-primary is '{primary}'");
        await AssertNoViolationAsync(page, problems, path);
    }

    private static async Task AssertNoViolationAsync(IPage page, List<string> problems, string where)
    {
        // Reports are queued as tasks: give the page a moment to deliver late ones (a style the circuit inserts).
        await page.WaitForTimeoutAsync(300);
        var violations = await page.EvaluateAsync<string[]>("() => window.__cspViolations");
        lock (problems)
        {
            problems.AddRange(violations.Where(v => !IsScalarEvalProbe(v)).Select(v => $"{where}: {v}"));
        }
    }

    /// <summary>
    /// Scalar's bundle (its Zod) tries <c>Function("")</c> once inside try/catch to see whether it may compile validators,
    /// and works without: the policy refusing it is the policy working, the one report it leaves is not a broken page.
    /// </summary>
    private static bool IsScalarEvalProbe(string violation) =>
        violation.StartsWith("script-src blocked eval at ", StringComparison.Ordinal) && violation.Contains("/api/docs/scalar.js:", StringComparison.Ordinal);
}
