using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static LicensePortal.Tests.Email.MailTestKit;

namespace LicensePortal.Tests.Email;

/// <summary>
/// "Resend confirmation link" on /users, in a real browser on the real portal process with a real SMTP server: offered
/// for an unconfirmed address only, the new link arrives and confirms the address, and the sending and the confirming
/// are one audit entry each.
/// </summary>
public sealed class AnAdministratorResendsTheConfirmationLink
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task The_resent_link_arrives_confirms_the_address_and_both_steps_are_audited()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var portal = await PortalProcess.StartAsync(Settings(smtp));
        using var api = await AdminAsync(portal);
        await OwnerAsync(api, "resend-me", "resend-me@customer.example", language: "en");
        await OwnerAsync(api, "already-confirmed", "already-confirmed@customer.example", language: "en", confirmed: true);
        await smtp.WaitForAsync(m => m.IsTo("resend-me@customer.example"), MailWait, () => portal.Output); // the link sent on creation

        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("users");
            var resend = page.Locator(".resend-confirmation[data-user='resend-me']");
            await Assertions.Expect(resend).ToHaveTextAsync("Resend confirmation link");
            // Not for a confirmed address, nor for an account without one (the first administrator).
            await Assertions.Expect(page.Locator(".resend-confirmation")).ToHaveCountAsync(1);

            await resend.ClickAsync();
            await Assertions.Expect(page.GetByText("The confirmation link is on its way to resend-me (resend-me@customer.example).")).ToBeVisibleAsync();
            var mails = await WaitForCountAsync(smtp, "resend-me@customer.example", 2, MailWait, () => portal.Output);
            Assert.Equal("Confirm your e-mail address for the license portal", mails[1].Subject);
            Assert.NotEqual(ConfirmationPath(mails[0]), ConfirmationPath(mails[1])); // a new token, not the old mail again

            using (var anonymous = new HttpClient())
            {
                Assert.Contains("id=\"email-confirmed\"", await anonymous.GetStringAsync(ConfirmationLink(mails[1], portal)), StringComparison.Ordinal);
            }
            await page.GotoInteractiveAsync("users");
            await Assertions.Expect(page.Locator("#users-grid")).ToContainTextAsync("resend-me@customer.example");
            await Assertions.Expect(page.Locator(".resend-confirmation")).ToHaveCountAsync(0);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }

        Assert.Equal(2, smtp.Messages().Count(m => m.IsTo("resend-me@customer.example")));
        Assert.Equal([(PortalProcess.AdminUserName, "resend-me")], await AuditAsync(portal, "user.confirmation-link-sent"));
        Assert.Equal([("resend-me", "resend-me")], await AuditAsync(portal, "user.email-confirmed"));
    }
}
