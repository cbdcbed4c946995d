using System.Net;
using System.Net.Http.Json;
using LicensePortal.Tests.Infrastructure;
using static LicensePortal.Tests.Email.MailTestKit;

namespace LicensePortal.Tests.Email;

/// <summary>
/// POST /api/v1/users/{id}/confirmation-link, as a CRM script would call it, on the real portal process with a real SMTP
/// server: an administrator's call sends a new link that confirms the address; a confirmed address, a support engineer's
/// or a customer's token, an unknown account and an SMTP server that is down each get their own answer, send nothing and
/// write no audit entry.
/// </summary>
public sealed class TheApiSendsANewConfirmationLink
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task An_administrators_call_sends_a_new_link_and_every_other_call_sends_nothing()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var portal = await PortalProcess.StartAsync(Settings(smtp));
        using var admin = await AdminAsync(portal);
        var waiting = await OwnerAsync(admin, "api-resend", "api-resend@customer.example", language: "en");
        var confirmed = await OwnerAsync(admin, "api-confirmed", "api-confirmed@customer.example", language: "en", confirmed: true);
        await JsonAsync(await admin.PostAsJsonAsync("api/v1/users", new { userName = "api-support", password = OwnerPassword, role = "Support" }));
        await smtp.WaitForAsync(m => m.IsTo("api-resend@customer.example"), MailWait, () => portal.Output); // the link sent on creation

        using (var sent = await admin.PostAsync(Link(waiting), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, sent.StatusCode);
        }
        var links = await WaitForCountAsync(smtp, "api-resend@customer.example", 2, MailWait, () => portal.Output);
        Assert.NotEqual(ConfirmationPath(links[0]), ConfirmationPath(links[1]));

        await ExpectProblemAsync(admin, confirmed, HttpStatusCode.Conflict, "Users.ConfirmationNotNeeded");
        await ExpectProblemAsync(admin, "no-such-account", HttpStatusCode.NotFound, null);
        using (var support = await TokenClientAsync(portal, "api-support"))
        {
            await ExpectProblemAsync(support, waiting, HttpStatusCode.Forbidden, null);
        }
        using (var customer = await TokenClientAsync(portal, "api-resend"))
        {
            await ExpectProblemAsync(customer, waiting, HttpStatusCode.Forbidden, null);
        }
        // The SMTP server down: the caller is told to try later, and no entry says a link went out.
        await smtp.StopAsync();
        await ExpectProblemAsync(admin, waiting, HttpStatusCode.ServiceUnavailable, "Users.ConfirmationNotSent");
        await smtp.StartAgainAsync();

        using (var anonymous = new HttpClient())
        {
            Assert.Contains("id=\"email-confirmed\"", await anonymous.GetStringAsync(ConfirmationLink(links[1], portal)), StringComparison.Ordinal);
        }
        await ExpectProblemAsync(admin, waiting, HttpStatusCode.Conflict, "Users.ConfirmationNotNeeded");
        Assert.Equal(2, smtp.Messages().Count(m => m.IsTo("api-resend@customer.example")));
        Assert.DoesNotContain(smtp.Messages(), m => m.IsTo("api-confirmed@customer.example"));
        Assert.Equal([(PortalProcess.AdminUserName, "api-resend")], await AuditAsync(portal, "user.confirmation-link-sent"));
    }

    private static Uri Link(string userId) => new($"api/v1/users/{Uri.EscapeDataString(userId)}/confirmation-link", UriKind.Relative);

    private static async Task ExpectProblemAsync(HttpClient api, string userId, HttpStatusCode status, string? code)
    {
        using var response = await api.PostAsync(Link(userId), null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode} for {userId}, expected {(int)status}: {body}");
        if (code is not null)
        {
            Assert.Contains($"\"code\":\"{code}\"", body, StringComparison.Ordinal);
        }
    }
}
