using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using LicensePortal.Tests.Infrastructure;
using LicensePortal.Tests.Webhooks;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Accessibility;

/// <summary>
/// axe-core (Deque.AxeCore.Playwright) on every page, in English and in Chinese, in Debian's Chromium: no critical or
/// serious violation, each page has one <c>main</c> landmark and one <c>h1</c> (with no focus ring when it takes the focus), and shows no resource key, no unfilled
/// "{0}" and nothing in the other language. The pages have something to show: the instances pages a chip of every state
/// (each chip's colour is checked for contrast), /webhooks an endpoint with a delivery in
/// its open log (sent to a real receiver), /account/email a customer's unconfirmed address (mail goes to a real SMTP
/// server), the e-mail confirmation page both a link from that mail and a broken one. One portal and one browser; every
/// problem of every page is collected and reported at once.
/// </summary>
public sealed class EveryPageHasNoSeriousAxeViolation
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";

    // The dialogs an administrator opens on a page (the button, a field that shows the dialog is open): checked open.
    private static readonly Dictionary<string, (string Button, string Field, string Name)> Dialogs = new()
    {
        ["instances"] = ("#instances-create", "#field-name", "new instance"),
        ["users"] = ("#users-create", "#field-username", "new account"),
        ["webhooks"] = (".webhook-edit >> nth=0", "#edit-webhook-url", "endpoint edit"),
    };

    private static readonly string[] AdministratorPages = ["", "instances", "instances/axe-01", "instances/axe-paused", "users", "support", "audit", "tokens", "vendor-keys", "webhooks", "account/email"];
    private static readonly string[] CustomerPages = ["", "instances", "instances/axe-01", "instances/axe-ready", "tokens", "account/email"];

    /// <summary>The states whose chips must be on the instances pages checked (so each chip's colour is checked).</summary>
    private static readonly string[] States = ["TOUPLOAD", "INFOERROR", "TODOWNLOAD", "DOWNLOADERROR", "EXPIRED"];

    // Identity's pages as the portal serves them (our sign-in page and layout, Identity's default UI otherwise).
    private static readonly string[] IdentityPages =
    [
        "Identity/Account/Manage",
        "Identity/Account/Manage/ChangePassword",
        "Identity/Account/Manage/TwoFactorAuthentication",
        "Identity/Account/Manage/EnableAuthenticator",
        "Identity/Account/ConfirmEmail",
    ];

    [Fact]
    public async Task Every_page_in_both_languages_has_no_critical_or_serious_violation_one_main_and_one_h1()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        // One download, then the next pauses downloads: an instance in DOWNLOADERROR.
        await using var portal = await PortalProcess.StartAsync(PortalSeed.MailAndWebhookSettings(smtp, new Dictionary<string, string> { ["Licensing__DownloadLimit"] = "1" }));
        using (var seed = await PortalSeed.ForAsync(portal))
        {
            // The customer's instances show every state's chip: TOUPLOAD, INFOERROR (the webhook's refused upload),
            // TODOWNLOAD, DOWNLOADERROR and EXPIRED.
            var customer = await seed.CustomerAsync("axe-customer", CustomerPassword);
            await seed.InstanceAsync("axe-01", customer);
            await seed.WebhookWithADeliveryAsync(receiver, "axe-hook", customer);
            await seed.InstanceAsync("axe-ready", customer);
            await seed.HostInfoAsync("axe-ready");
            await seed.InstanceAsync("axe-paused", customer);
            await seed.HostInfoAsync("axe-paused");
            await PortalSeed.DownloadsPausedAsync(portal, "axe-paused", "axe-customer", CustomerPassword);
            await seed.InstanceAsync("axe-expired", customer);
            await seed.UpdateInstanceAsync("axe-expired", new { expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) });
            await seed.CustomerAsync("axe-confirmed", CustomerPassword);
        }
        // Another account's link: the customer's own address stays unconfirmed on /account/email.
        var confirmationLink = await PortalSeed.ConfirmationLinkAsync(smtp, "axe-confirmed@example.com", portal);
        var (playwright, browser) = await Browsers.LaunchAsync();
        var problems = new List<string>();
        try
        {
            foreach (var locale in new[] { "en-US", "zh-CN" })
            {
                var anonymous = await NewPageAsync(browser, portal, locale);
                await anonymous.GotoAsync("Identity/Account/Login");
                await CheckAsync(anonymous, locale, "sign-in", problems);
                await anonymous.GotoAsync(confirmationLink);
                await anonymous.Locator("#email-confirmed").WaitForAsync();
                await CheckAsync(anonymous, locale, "e-mail confirmed", problems);
                await anonymous.GotoAsync(confirmationLink.Replace("code=", "code=x", StringComparison.Ordinal));
                await anonymous.Locator("#email-not-confirmed").WaitForAsync();
                await CheckAsync(anonymous, locale, "e-mail not confirmed", problems);

                var admin = await NewPageAsync(browser, portal, locale);
                await admin.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
                foreach (var path in AdministratorPages)
                {
                    await admin.GotoInteractiveAsync(path);
                    if (path == "webhooks")
                    {
                        await admin.OpenWebhookLogAsync();
                    }
                    if (path == "instances")
                    {
                        await ExpectEveryStateAsync(admin);
                    }
                    await CheckAsync(admin, locale, "admin /" + path, problems);
                    if (Dialogs.TryGetValue(path, out var dialog))
                    {
                        await admin.OpenDialogAsync(dialog.Button, dialog.Field);
                        await CheckAsync(admin, locale, $"admin /{path} with the {dialog.Name} dialog open", problems);
                    }
                }
                foreach (var path in IdentityPages)
                {
                    await admin.GotoAsync(path);
                    await CheckAsync(admin, locale, "admin " + path, problems);
                }

                var customer = await NewPageAsync(browser, portal, locale);
                await customer.SignInAsync("axe-customer", CustomerPassword);
                foreach (var path in CustomerPages)
                {
                    await customer.GotoInteractiveAsync(path);
                    if (path is "" or "instances")
                    {
                        await ExpectEveryStateAsync(customer);
                    }
                    await CheckAsync(customer, locale, "customer /" + path, problems);
                }
                await anonymous.Context.CloseAsync();
                await admin.Context.CloseAsync();
                await customer.Context.CloseAsync();
            }
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
        Assert.True(problems.Count == 0, $"{problems.Count} accessibility problems:\n" + string.Join("\n", problems));
    }

    private static async Task ExpectEveryStateAsync(IPage page)
    {
        foreach (var state in States)
        {
            await Assertions.Expect(page.Locator($".status-badge[data-status={state}]").First).ToBeVisibleAsync();
        }
    }

    private static async Task<IPage> NewPageAsync(IBrowser browser, PortalProcess portal, string locale)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(45_000);
        return page;
    }

    private static async Task CheckAsync(IPage page, string locale, string where, List<string> problems)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var at = $"[{locale}] {where}";
        var mains = await page.Locator("main, [role=main]").CountAsync();
        if (mains != 1)
        {
            problems.Add($"{at}: {mains} main landmarks, expected 1");
        }
        var headings = await page.Locator("h1").CountAsync();
        if (headings != 1)
        {
            problems.Add($"{at}: {headings} h1 headings, expected 1");
        }
        problems.AddRange(await ShownTexts.ProblemsAsync(page, locale == "zh-CN" ? ResourceFiles.Chinese : ResourceFiles.English, at));
        var result = await page.RunAxe();
        foreach (var violation in result.Violations.Where(v => v.Impact is "critical" or "serious"))
        {
            foreach (var node in violation.Nodes)
            {
                problems.Add($"{at}: {violation.Impact} {violation.Id} ({violation.Help}) at {node.Target}: {Shorten(node.Html)} {Shorten(string.Join("; ", node.Any.Concat(node.All).Concat(node.None).Select(c => c.Message)))}");
            }
        }
        // The heading takes the focus on navigation (FocusOnNavigate, so a screen reader starts there), as here; it is not a
        // control, so it draws no focus ring (a box round every page's title otherwise).
        var ring = await page.EvaluateAsync<string?>("""
            () => {
                const heading = document.querySelector('main h1');
                if (!heading) return null;
                if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
                heading.focus();
                const style = getComputedStyle(heading);
                return document.activeElement === heading && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                    ? `${style.outlineStyle} ${style.outlineWidth}` : null;
            }
            """);
        if (ring is not null)
        {
            problems.Add($"{at}: the focused page heading draws a focus ring ({ring})");
        }
        // Heading order is "moderate" in axe, and the issue asks for it: reported too.
        foreach (var violation in result.Violations.Where(v => v.Id is "heading-order" or "landmark-one-main" or "page-has-heading-one" or "empty-table-header"))
        {
            foreach (var node in violation.Nodes)
            {
                problems.Add($"{at}: {violation.Impact} {violation.Id} at {node.Target}: {Shorten(node.Html)}");
            }
        }
    }

    private static string Shorten(string? text) =>
        text is null ? "" : (text.Length > 200 ? text[..200] + "…" : text).ReplaceLineEndings(" ");
}
