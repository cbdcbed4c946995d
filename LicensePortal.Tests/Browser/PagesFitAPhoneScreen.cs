using LicensePortal.Licensing;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using LicensePortal.Tests.Webhooks;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// On a phone (390x844) in Debian's Chromium: no page is wider than the screen, the menu is a drawer closed by default
/// that opens over the page and closes from its scrim, the account menu's sign-out is on screen and signs out, and a
/// customer uploads host info and downloads the license with the download button fully on screen. Escape closes the open
/// drawer and gives the focus back to the menu button; the administrator's pages fit in Chinese too. On every signed-in
/// page the account menu's button is on screen, a table shown as cards names each value and a token's prefix keeps to one
/// line; an opened audit entry shows its changes under its sentence. /webhooks is shown with an endpoint's delivery log open (a delivery to a
/// real receiver), the e-mail confirmation page from the link a real SMTP server received.
/// </summary>
public sealed class PagesFitAPhoneScreen
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";
    private const int Width = 390;

    [Fact]
    public async Task Pages_fit_the_screen_the_menu_is_a_closed_drawer_sign_out_works_and_upload_and_download_are_usable()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var portal = await PortalProcess.StartAsync(PortalSeed.MailAndWebhookSettings(smtp));
        using (var seed = await PortalSeed.ForAsync(portal))
        {
            var owner = await seed.CustomerAsync("phone-customer", CustomerPassword);
            await seed.InstanceAsync("phone-01", owner);
            await seed.WebhookWithADeliveryAsync(receiver, "phone-hook", owner);
        }
        var confirmationLink = await PortalSeed.ConfirmationLinkAsync(smtp, "phone-customer@example.com", portal);
        var (playwright, browser) = await Browsers.LaunchAsync();
        var work = Directory.CreateTempSubdirectory("lp-phone-");
        IPage? current = null;
        var tooWide = new List<string>();
        try
        {
            // The e-mail confirmation page, from the mail's link and from a broken one.
            var anonymous = current = await PhonePageAsync(browser, portal);
            await anonymous.GotoAsync(confirmationLink.Replace("code=", "code=x", StringComparison.Ordinal));
            await anonymous.Locator("#email-not-confirmed").WaitForAsync();
            await RecordWidthAsync(anonymous, "e-mail not confirmed", tooWide);
            await anonymous.GotoAsync(confirmationLink);
            await anonymous.Locator("#email-confirmed").WaitForAsync();
            await RecordWidthAsync(anonymous, "e-mail confirmed", tooWide);

            var admin = current = await PhonePageAsync(browser, portal);
            await admin.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            foreach (var path in AdministratorPages)
            {
                await OpenAsync(admin, path);
                await RecordWidthAsync(admin, "admin /" + path, tooWide);
            }

            // An audit entry opened on the phone (a card): its changes come under its sentence, not squeezed beside it.
            await admin.GotoInteractiveAsync("audit");
            await admin.Locator(".audit-expand").First.ClickAsync();
            await admin.Locator(".audit-change").First.WaitForAsync();
            var sentence = (await admin.Locator(".audit-sentence").First.BoundingBoxAsync())!;
            var changes = (await admin.Locator(".audit-changes").First.BoundingBoxAsync())!;
            Assert.True(changes.Y >= sentence.Y + sentence.Height && sentence.Width + changes.Width > Width / 2,
                $"the opened audit entry on the phone: sentence at x {sentence.X} y {sentence.Y} ({sentence.Width}x{sentence.Height}), changes at x {changes.X} y {changes.Y} ({changes.Width}x{changes.Height})");
            await RecordWidthAsync(admin, "admin /audit with an entry open", tooWide);

            // The drawer: closed, off screen, until the menu button opens it over the page; its scrim closes it.
            await admin.GotoInteractiveAsync("instances");
            var toggle = admin.Locator("#drawer-toggle");
            await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
            Assert.True((await admin.Locator("#portal-drawer").BoundingBoxAsync()) is not { } closed || closed.X + closed.Width <= 0, "the drawer is on screen while closed");
            await toggle.ClickAsync();
            await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
            await admin.Locator("#drawer-scrim").WaitForAsync();
            await Assertions.Expect(admin.Locator("#portal-drawer").GetByRole(AriaRole.Link, new() { Name = "Users" })).ToBeInViewportAsync();
            await admin.Locator("#drawer-scrim").ClickAsync(new() { Position = new Position { X = Width - 20, Y = 400 } });
            await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");

            // With the keyboard: Enter on the menu button opens the drawer, Escape closes it and the focus is on the button again.
            await toggle.FocusAsync();
            await admin.Keyboard.PressAsync("Enter");
            await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
            await admin.Locator("#portal-drawer a[href=users]").FocusAsync(); // Tab into the drawer, as a person would
            await admin.Keyboard.PressAsync("Escape");
            await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
            await Assertions.Expect(admin.Locator("#drawer-scrim")).ToHaveCountAsync(0);
            await Assertions.Expect(toggle).ToBeFocusedAsync();

            // The same pages in Chinese (Chromium draws them with the CJK font .ci/run installs): no wider than the screen.
            var chinese = current = await PhonePageAsync(browser, portal, "zh-CN");
            await chinese.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            foreach (var path in AdministratorPages)
            {
                await OpenAsync(chinese, path);
                await RecordWidthAsync(chinese, "admin zh-CN /" + path, tooWide);
            }
            current = admin;

            // Sign out from the account menu, on screen.
            await admin.ClickAsync("#account-button");
            var signOut = admin.Locator("#sign-out");
            await signOut.WaitForAsync();
            await AssertFullyOnScreenAsync(signOut, "sign out");
            await signOut.ClickAsync();
            await admin.WaitForURLAsync(url => !url.Contains("/instances", StringComparison.Ordinal));
            await admin.GotoAsync("instances");
            await admin.WaitForURLAsync(url => url.Contains("/Identity/Account/Login", StringComparison.Ordinal));

            // The customer uploads host info and downloads the license on the phone.
            var customer = current = await PhonePageAsync(browser, portal);
            await customer.SignInAsync("phone-customer", CustomerPassword);
            foreach (var path in new[] { "", "instances", "tokens", "account/email" })
            {
                await OpenAsync(customer, path);
                await RecordWidthAsync(customer, "customer /" + path, tooWide);
            }
            await customer.GotoInteractiveAsync("instances/phone-01");
            var hostInfo = Path.Combine(work.FullName, "hostinfo.txt");
            await File.WriteAllTextAsync(hostInfo, ApiTestKit.HostInfo("phone-01"));
            await customer.Locator("input[type=file]").SetInputFilesAsync(hostInfo);
            await Assertions.Expect(customer.Locator(".status-badge").First).ToHaveAttributeAsync("data-status", "TODOWNLOAD");
            var downloadButton = customer.Locator("#download-license");
            await Assertions.Expect(downloadButton).ToBeEnabledAsync();
            await AssertFullyOnScreenAsync(downloadButton, "download button");
            var download = await customer.RunAndWaitForDownloadAsync(() => downloadButton.ClickAsync());
            Assert.Equal("phone-01_LICENSE", download.SuggestedFilename);
            await RecordWidthAsync(customer, "customer /instances/phone-01 after the upload", tooWide);

            Assert.True(tooWide.Count == 0, "Not fitting the 390 px screen:\n" + string.Join("\n", tooWide));
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException && current is not null)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-phone-failure-{Guid.NewGuid():N}.png");
            await current!.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}.\nPortal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            work.Delete(recursive: true);
        }
    }

    private static readonly string[] AdministratorPages = ["", "instances", "instances/phone-01", "users", "support", "audit", "tokens", "vendor-keys", "webhooks", "account/email"];

    /// <summary>
    /// Opens a signed-in page (on /webhooks with the delivery log open): nothing lies over it (the menu drawer is closed)
    /// and the account menu's button is on the screen.
    /// </summary>
    private static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoInteractiveAsync(path);
        // A tap on the page's heading reaches the heading, not an open drawer over it.
        var over = await page.EvaluateAsync<string?>("""
            () => {
                const heading = document.querySelector('main h1');
                if (!heading) return 'no heading in main';
                const box = heading.getBoundingClientRect();
                const hit = document.elementFromPoint(box.left + 8, box.top + box.height / 2);
                if (heading.contains(hit)) return null;
                const cover = hit && hit.closest('[id]');
                return hit ? `${hit.tagName.toLowerCase()} in #${cover ? cover.id : ''}` : 'nothing';
            }
            """);
        Assert.True(over is null, $"/{path} on the phone: its heading is covered by {over}");
        if (path == "webhooks")
        {
            await page.OpenWebhookLogAsync();
        }
        await AssertFullyOnScreenAsync(page.Locator("#account-button"), $"the account menu's button on /{path}");
        await AssertTablesReadOnAPhoneAsync(page, path);
    }

    /// <summary>
    /// A table shown as a card list (a cell no longer a table cell) names every value it shows: a bare "0" or "never"
    /// says nothing (a control, such as a row's checkbox, has its own label). A token's prefix stays on one line in its
    /// table (which may scroll sideways), not a column of single characters (one box per text node, all at one height).
    /// </summary>
    private static async Task AssertTablesReadOnAPhoneAsync(IPage page, string path)
    {
        var unnamed = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('main tbody td')]
                .filter(td => getComputedStyle(td).display !== 'table-cell' && !td.querySelector('input, button') && td.innerText.trim()
                           && !(td.getAttribute('data-label') || '').trim())
                .slice(0, 5).map(td => td.innerText.trim())
            """);
        Assert.True(unnamed.Length == 0, $"/{path} on the phone: card values without their name: {string.Join(" | ", unnamed)}");
        var broken = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('.token-list td code')]
                .filter(code => new Set([...code.getClientRects()].map(line => Math.round(line.top))).size > 1).map(code => code.textContent)
            """);
        Assert.True(broken.Length == 0, $"/{path} on the phone: token prefixes broken over lines: {string.Join(", ", broken)}");
    }

    private static async Task<IPage> PhonePageAsync(IBrowser browser, PortalProcess portal, string locale = "en-US")
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseAddress.ToString(),
            Locale = locale,
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = Width, Height = 844 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(45_000);
        return page;
    }

    /// <summary>The document is no wider than the viewport (nothing to scroll sideways).</summary>
    private static async Task RecordWidthAsync(IPage page, string where, List<string> tooWide)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        if (widths[0] > widths[1])
        {
            // The innermost elements that reach past the screen (inside a scrolling table too), to say what to fix.
            var culprits = await page.EvaluateAsync<string[]>("""
                () => [...document.body.querySelectorAll('*')]
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                              && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
                    .slice(0, 5).map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} ends at ${Math.round(e.getBoundingClientRect().right)}`)
                """);
            tooWide.Add($"{where}: document {widths[0]} px, viewport {widths[1]} px; past the screen: {string.Join("; ", culprits)}");
        }
    }

    private static async Task AssertFullyOnScreenAsync(ILocator element, string what)
    {
        var box = await element.BoundingBoxAsync();
        Assert.True(box is not null, $"{what} is not shown");
        Assert.True(box!.X >= 0 && box.Y >= 0 && box.X + box.Width <= Width && box.Y + box.Height <= 844,
            $"{what} is not fully on the screen: x {box.X}, y {box.Y}, width {box.Width}, height {box.Height}");
    }
}
