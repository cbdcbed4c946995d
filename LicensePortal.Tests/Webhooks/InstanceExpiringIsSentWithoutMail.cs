using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static LicensePortal.Tests.Email.MailTestKit;

namespace LicensePortal.Tests.Webhooks;

/// <summary>
/// Issue 16: <c>instance.expiring</c> reports a reminder step reached, not a mail sent: it goes out from a portal with no
/// SMTP server configured, for an owner nobody can mail, once per instance, expiry date and step, through a restart.
/// </summary>
public sealed class InstanceExpiringIsSentWithoutMail
{
    /// <summary>Several check intervals (2 s each) and dispatcher passes (1 s): time enough for a duplicate to appear if one were going to.</summary>
    private static readonly TimeSpan SeveralChecks = TimeSpan.FromSeconds(7);

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task AnInstanceExpiringInSevenDaysWhoseOwnerHasNoConfirmedAddressSendsOneSignedEventAcrossARestart(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        // SQLite: the portal process's own file; PostgreSQL: a fresh database on the test server.
        await using var database = provider == DatabaseProvider.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        var settings = WebhookPortal.Settings(allowPrivate: true);
        settings["Reminders__CheckInterval"] = "00:00:02";
        if (database is not null)
        {
            settings["Database__Provider"] = "Postgres";
            settings["ConnectionStrings__LicensePortal"] = database.ConnectionString;
        }
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var portal = await PortalProcess.StartAsync(settings);
        Assert.Contains("Email:Smtp:Host is not set", portal.Output, StringComparison.Ordinal); // no mail at all

        int endpointId;
        string secret;
        using (var api = await AdminAsync(portal))
        {
            (endpointId, secret) = await WebhooksReachARealReceiver.RegisterAsync(api, receiver.Url, "instance.expiring");
            var owner = await OwnerAsync(api, "unconfirmed-owner", "unconfirmed-owner@customer.example", language: "en");
            await InstanceAsync(api, "expiring-unmailed", owner, 7);
            await InstanceAsync(api, "expiring-next-year", owner, 200);
        }

        var hook = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("instance.expiring", hook.Event);
        Assert.True(WebhookSnippets.VerifyInCSharp(secret, hook), "the delivery's signature does not verify: " + hook.Signature);
        using (var body = JsonDocument.Parse(hook.Body))
        {
            Assert.Equal("instance.expiring", body.RootElement.GetProperty("type").GetString());
            var data = body.RootElement.GetProperty("data");
            Assert.Equal("expiring-unmailed", data.GetProperty("instance").GetProperty("name").GetString());
            Assert.Equal(ExpiresOn(7), data.GetProperty("expiresOn").GetString());
            Assert.Equal(7, data.GetProperty("daysLeft").GetInt32());
        }

        await Task.Delay(SeveralChecks);
        await portal.RestartAsync();
        await Task.Delay(SeveralChecks);

        Assert.Single(receiver.Received);
        using (var api = await AdminAsync(portal))
        {
            var delivery = Assert.Single((await WebhooksReachARealReceiver.DeliveriesAsync(api, endpointId)).EnumerateArray());
            Assert.Equal("Delivered", delivery.GetProperty("state").GetString());
        }

        // The administrator's history on the instance page says why no mail went out.
        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("instances/expiring-unmailed");
            var row = page.Locator("#expiry-reminders .reminder-row");
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await Assertions.Expect(row).ToHaveAttributeAsync("data-days", "7");
            await Assertions.Expect(row).ToHaveAttributeAsync("data-waiting", "MailOff");
            await Assertions.Expect(row).ToContainTextAsync("Not sent: mail is not configured");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
