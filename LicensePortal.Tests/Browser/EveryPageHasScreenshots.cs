using System.Buffers.Binary;
using LicensePortal.Tests.Infrastructure;
using LicensePortal.Tests.Webhooks;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// Screenshots of every page, in English and Chinese, at 1440x900 and on a phone (390x844), for a reviewer to look at
/// all at once: <c>LICENSEPORTAL_SCREENSHOTS=/some/dir dotnet test LicensePortal.Tests --filter Category=Screenshots</c>.
/// Without the variable the test still runs (CI counts a skip as a failure), quicker: every page in English at 1440x900
/// and in Chinese at 390x844, into a temporary folder; either way each file must be a PNG of the viewport's size.
/// </summary>
[Trait("Category", "Screenshots")]
public sealed class EveryPageHasScreenshots
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";

    private static readonly (string Name, string Path)[] AdministratorPages =
    [
        ("home", ""), ("instances", "instances"), ("instance", "instances/shot-01"), ("users", "users"), ("support-desk", "support"),
        ("audit", "audit"), ("tokens", "tokens"), ("vendor-keys", "vendor-keys"), ("webhooks", "webhooks"), ("account-email", "account/email"),
    ];

    private static readonly (string Name, string Path)[] CustomerPages =
        [("customer-home", ""), ("customer-instance", "instances/shot-01"), ("customer-account-email", "account/email")];

    [Fact]
    public async Task Every_page_is_shot_in_both_languages_on_a_desktop_and_a_phone()
    {
        var chosen = Environment.GetEnvironmentVariable("LICENSEPORTAL_SCREENSHOTS");
        var folder = string.IsNullOrWhiteSpace(chosen) ? Directory.CreateTempSubdirectory("lp-screenshots-").FullName : Directory.CreateDirectory(chosen).FullName;
        (string Locale, int Width, int Height)[] views = string.IsNullOrWhiteSpace(chosen)
            ? [("en-US", 1440, 900), ("zh-CN", 390, 844)]
            : [("en-US", 1440, 900), ("en-US", 390, 844), ("zh-CN", 1440, 900), ("zh-CN", 390, 844)];

        await using var smtp = await SmtpSink.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var portal = await PortalProcess.StartAsync(PortalSeed.MailAndWebhookSettings(smtp));
        using (var seed = await PortalSeed.ForAsync(portal))
        {
            // A customer whose address stays unconfirmed, and another's confirmation link for the confirmation page.
            var customer = await seed.CustomerAsync("shot-customer", CustomerPassword);
            await seed.InstanceAsync("shot-01", customer);
            await seed.WebhookWithADeliveryAsync(receiver, "shot-hook", customer);
            await seed.CustomerAsync("shot-confirmed", CustomerPassword);
        }
        var confirmationLink = await PortalSeed.ConfirmationLinkAsync(smtp, "shot-confirmed@example.com", portal);
        var (playwright, browser) = await Browsers.LaunchAsync();
        var shots = new List<(string File, int Width, int Height)>();
        IPage? current = null;
        try
        {
            foreach (var (locale, width, height) in views)
            {
                var prefix = $"{(locale.StartsWith("zh", StringComparison.Ordinal) ? "zh" : "en")}-{width}x{height}";
                async Task<IPage> NewPageAsync()
                {
                    var context = await browser.NewContextAsync(new BrowserNewContextOptions
                    {
                        BaseURL = portal.BaseAddress.ToString(), Locale = locale, ViewportSize = new ViewportSize { Width = width, Height = height },
                    });
                    var page = await context.NewPageAsync();
                    page.SetDefaultTimeout(45_000);
                    return current = page;
                }
                async Task ShootAsync(IPage page, string name)
                {
                    var file = Path.Combine(folder, $"{prefix}-{name}.png");
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, Animations = ScreenshotAnimations.Disabled });
                    shots.Add((file, width, height));
                }

                var anonymous = await NewPageAsync();
                await anonymous.GotoAsync("Identity/Account/Login");
                await anonymous.Locator("#login-submit").WaitForAsync();
                await ShootAsync(anonymous, "sign-in");
                await anonymous.GotoAsync(confirmationLink);
                await anonymous.Locator("#email-confirmed").WaitForAsync();
                await ShootAsync(anonymous, "email-confirmed");

                var admin = await NewPageAsync();
                await admin.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
                foreach (var (name, path) in AdministratorPages)
                {
                    await admin.GotoInteractiveAsync(path);
                    if (name == "webhooks")
                    {
                        await admin.OpenWebhookLogAsync();
                    }
                    await admin.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    await ShootAsync(admin, name);
                    if (name == "audit")
                    {
                        // The newest entry opened, on the desktop and on the phone (a card there): its changed fields,
                        // then the raw JSON behind "Details".
                        await admin.Locator(".audit-expand").First.ClickAsync();
                        await admin.Locator(".audit-change").First.WaitForAsync();
                        await admin.Locator(".audit-details").First.ClickAsync();
                        await admin.Locator(".audit-raw").First.WaitForAsync();
                        await ShootAsync(admin, "audit-details");
                    }
                }
                await admin.GotoAsync("Identity/Account/Manage");
                await admin.WaitForLoadStateAsync(LoadState.NetworkIdle);
                await ShootAsync(admin, "manage");

                var customer = await NewPageAsync();
                await customer.SignInAsync("shot-customer", CustomerPassword);
                foreach (var (name, path) in CustomerPages)
                {
                    await customer.GotoInteractiveAsync(path);
                    await customer.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    await ShootAsync(customer, name);
                }
                foreach (var context in browser.Contexts.ToList())
                {
                    await context.CloseAsync();
                }
            }
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException && current is not null)
        {
            throw new InvalidOperationException($"Screenshot step failed at {current!.Url}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }

        // Per view: every page, sign-in, the confirmation page, the account overview and the opened audit entry.
        Assert.Equal(views.Length * (AdministratorPages.Length + CustomerPages.Length + 4), shots.Count);
        foreach (var (file, width, height) in shots)
        {
            var png = await File.ReadAllBytesAsync(file);
            Assert.True(png.Length > 1000 && png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{file} is not a PNG");
            // IHDR: width and height, big-endian, right after the signature and the chunk's length and type.
            Assert.Equal((width, height), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
        }
        if (string.IsNullOrWhiteSpace(chosen))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
