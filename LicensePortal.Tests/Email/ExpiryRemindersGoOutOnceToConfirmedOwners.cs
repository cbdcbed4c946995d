using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using static LicensePortal.Tests.Email.MailTestKit;

namespace LicensePortal.Tests.Email;

/// <summary>
/// Expiry reminders through a real SMTP server (aiosmtpd) from the real portal process: one per instance, expiry date
/// and step, in the owner's language, to confirmed addresses only (one confirmed later in the step too), through restarts,
/// a second node and an SMTP outage.
/// </summary>
public sealed class ExpiryRemindersGoOutOnceToConfirmedOwners
{
    /// <summary>Several check intervals (2 s each): time enough for a duplicate to appear if one were going to.</summary>
    private static readonly TimeSpan SeveralChecks = TimeSpan.FromSeconds(7);

    private static readonly TimeSpan OneCheckAndMargin = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task AnInstanceExpiringInSevenDaysSendsOneSevenDayReminderInItsOwnersLanguageAcrossARestart()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var portal = await PortalProcess.StartAsync(Settings(smtp));
        using var api = await AdminAsync(portal);

        // A new account gets its confirmation link, in its language; the link, opened, confirms the address.
        var english = await OwnerAsync(api, "owner-en", "owner-en@customer.example", language: "en");
        var confirmation = await smtp.WaitForAsync(m => m.IsTo("owner-en@customer.example"), OneCheckAndMargin, () => portal.Output);
        Assert.Equal("Confirm your e-mail address for the license portal", confirmation.Subject);
        using (var anonymous = new HttpClient())
        {
            var page = await anonymous.GetStringAsync(ConfirmationLink(confirmation, portal));
            Assert.Contains("id=\"email-confirmed\"", page);
        }
        // Default language, confirmed by the administrator; and one whose address nobody confirmed.
        var chinese = await OwnerAsync(api, "owner-zh", "owner-zh@customer.example", confirmed: true);
        var unconfirmed = await OwnerAsync(api, "owner-unconfirmed", "owner-unconfirmed@customer.example", language: "en");

        await InstanceAsync(api, "expiring-en", english, 7);
        await InstanceAsync(api, "expiring-zh", chinese, 7);
        await InstanceAsync(api, "expiring-unconfirmed", unconfirmed, 7);
        await InstanceAsync(api, "expiring-later", english, 200);

        var reminder = await smtp.WaitForAsync(m => m.Subject.StartsWith("expiring-en ", StringComparison.Ordinal), OneCheckAndMargin, () => portal.Output);
        Assert.Equal(["owner-en@customer.example"], reminder.EnvelopeTo);
        Assert.Equal($"expiring-en expires on {ExpiresOn(7)} (in 7 days)", reminder.Subject);
        Assert.Contains("Status: Host info not uploaded", reminder.Text);
        Assert.Contains($"{SmtpSink.PortalUrl}instances/expiring-en", reminder.Text);
        Assert.Contains("lang=\"en\"", reminder.Html);
        Assert.Contains($"href=\"{SmtpSink.PortalUrl}instances/expiring-en\"", reminder.Html);
        var zh = await smtp.WaitForAsync(m => m.Subject.StartsWith("expiring-zh ", StringComparison.Ordinal), OneCheckAndMargin);
        Assert.Equal($"expiring-zh 将于 {ExpiresOn(7)} 到期（还有 7 天）", zh.Subject);
        Assert.Equal(["owner-zh@customer.example"], zh.EnvelopeTo);

        await Task.Delay(SeveralChecks);
        await portal.RestartAsync();
        await Task.Delay(SeveralChecks);

        Assert.Single(RemindersAbout(smtp, "expiring-en"));
        Assert.Single(RemindersAbout(smtp, "expiring-zh"));
        Assert.Empty(RemindersAbout(smtp, "expiring-unconfirmed"));
        Assert.Empty(RemindersAbout(smtp, "expiring-later"));
        // Recorded as sent once the server took them (otherwise sent again when the killed node's lease ran out);
        // the unconfirmed owner's step waits for an address.
        Assert.Equal("Sent", (await ReminderAsync(portal, "expiring-en"))?.Outcome);
        Assert.Equal("Sent", (await ReminderAsync(portal, "expiring-zh"))?.Outcome);
        Assert.Equal("Pending", (await ReminderAsync(portal, "expiring-unconfirmed"))?.Outcome);
        Assert.Null(await ReminderAsync(portal, "expiring-later"));
    }

    [Fact]
    public async Task AReminderTheSmtpServerCouldNotTakeIsSentOnceWhenItIsBack()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var portal = await PortalProcess.StartAsync(Settings(smtp));
        using var api = await AdminAsync(portal);
        var owner = await OwnerAsync(api, "outage-owner", "outage-owner@customer.example", language: "en", confirmed: true);

        await smtp.StopAsync();
        await InstanceAsync(api, "outage-01", owner, 7);
        // The portal tried and failed at least twice while the server was away (connection refused).
        var deadline = DateTime.UtcNow + OneCheckAndMargin;
        while (await AttemptsAsync(portal) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the portal did not try to send the reminder:\n" + portal.Output);
            await Task.Delay(500);
        }

        await smtp.StartAgainAsync();
        await smtp.WaitForAsync(m => m.Subject.StartsWith("outage-01 ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => portal.Output);
        await Task.Delay(SeveralChecks);
        Assert.Single(RemindersAbout(smtp, "outage-01"));
    }

    [Fact]
    public async Task TheConfirmationLinkWorksInABrowserAndOwnersWhoTurnedRemindersOffGetNone()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var portal = await PortalProcess.StartAsync(Settings(smtp));
        using var api = await AdminAsync(portal);
        var off = await OwnerAsync(api, "reminders-off", "reminders-off@customer.example", language: "en");
        var on = await OwnerAsync(api, "reminders-on", "reminders-on@customer.example", language: "en", confirmed: true);

        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            // The confirmation mail, opened in the browser, and its link clicked (pointed at this portal process).
            var confirmation = await smtp.WaitForAsync(m => m.IsTo("reminders-off@customer.example"), OneCheckAndMargin, () => portal.Output);
            await page.SetContentAsync(confirmation.Html.Replace(SmtpSink.PortalUrl, portal.BaseAddress.ToString(), StringComparison.Ordinal));
            await page.ClickAsync("a");
            await Microsoft.Playwright.Assertions.Expect(page.Locator("#email-confirmed")).ToBeVisibleAsync();

            await page.SignInAsync("reminders-off", OwnerPassword);
            await page.GotoInteractiveAsync("account/email");
            await page.GetByText("Send me expiry reminders").ClickAsync();
            await page.ClickAsync("#save-account-email");
            await Microsoft.Playwright.Assertions.Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }

        await InstanceAsync(api, "opted-out-01", off, 7);
        await InstanceAsync(api, "opted-in-01", on, 7);
        await smtp.WaitForAsync(m => m.Subject.StartsWith("opted-in-01 ", StringComparison.Ordinal), OneCheckAndMargin, () => portal.Output);
        await Task.Delay(SeveralChecks);
        Assert.Empty(RemindersAbout(smtp, "opted-out-01"));
    }

    [Fact]
    public async Task AnOwnerWhoConfirmsTheirAddressLaterInTheStepGetsThatStepsReminderOnce()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var portal = await PortalProcess.StartAsync(Settings(smtp));
        using var api = await AdminAsync(portal);
        var owner = await OwnerAsync(api, "confirms-later", "confirms-later@customer.example", language: "en");
        var confirmation = await smtp.WaitForAsync(m => m.IsTo("confirms-later@customer.example"), OneCheckAndMargin, () => portal.Output);
        await InstanceAsync(api, "confirms-later-01", owner, 7);

        // The step is reached while nobody can be mailed, and the sender has looked at it since and left it waiting.
        var deadline = DateTime.UtcNow + OneCheckAndMargin;
        while (await ReminderAsync(portal, "confirms-later-01") is not { Outcome: "Pending", LookedAt: true })
        {
            Assert.True(DateTime.UtcNow < deadline, "the 7-day reminder was not claimed and looked at:\n" + portal.Output);
            await Task.Delay(500);
        }
        await Task.Delay(SeveralChecks);
        Assert.Empty(RemindersAbout(smtp, "confirms-later-01"));
        Assert.Equal("Pending", (await ReminderAsync(portal, "confirms-later-01"))?.Outcome);

        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("instances/confirms-later-01");
            var row = page.Locator("#expiry-reminders .reminder-row[data-days='7']");
            await Microsoft.Playwright.Assertions.Expect(row).ToHaveAttributeAsync("data-waiting", "NoRecipient");
            await Microsoft.Playwright.Assertions.Expect(row).ToContainTextAsync("Not sent yet: waiting for a confirmed address");

            // The owner confirms their address, still within the 7-day step: that step's reminder goes out, once.
            using (var anonymous = new HttpClient())
            {
                Assert.Contains("id=\"email-confirmed\"", await anonymous.GetStringAsync(ConfirmationLink(confirmation, portal)));
            }
            var reminder = await smtp.WaitForAsync(m => m.Subject.StartsWith("confirms-later-01 ", StringComparison.Ordinal), OneCheckAndMargin, () => portal.Output);
            Assert.Equal(["confirms-later@customer.example"], reminder.EnvelopeTo);
            Assert.Equal($"confirms-later-01 expires on {ExpiresOn(7)} (in 7 days)", reminder.Subject);

            await Task.Delay(SeveralChecks);
            await portal.RestartAsync();
            await Task.Delay(SeveralChecks);
            Assert.Single(RemindersAbout(smtp, "confirms-later-01"));

            page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("instances/confirms-later-01");
            row = page.Locator("#expiry-reminders .reminder-row");
            await Microsoft.Playwright.Assertions.Expect(row).ToHaveCountAsync(1);
            await Microsoft.Playwright.Assertions.Expect(row).ToHaveAttributeAsync("data-outcome", "Sent");
            await Microsoft.Playwright.Assertions.Expect(row).ToContainTextAsync("confirms-later@customer.example");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [SkippableFact]
    public async Task TwoNodesOnOneDatabaseSendEachReminderOnce()
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        await using var smtp = await SmtpSink.StartAsync();
        var settings = Settings(smtp, new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__LicensePortal"] = database.ConnectionString,
        });
        await using var nodeA = await PortalProcess.StartAsync(settings);
        await using var nodeB = await PortalProcess.StartAsync(settings);
        using var api = await AdminAsync(nodeA);
        var owner = await OwnerAsync(api, "two-node-owner", "two-node-owner@customer.example", language: "en", confirmed: true);
        var names = Enumerable.Range(1, 12).Select(i => $"two-node-{i:00}").ToList();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            await InstanceAsync(api, name, owner, i % 2 == 0 ? 7 : 1);
        }

        foreach (var name in names)
        {
            await smtp.WaitForAsync(m => m.Subject.StartsWith(name + " ", StringComparison.Ordinal), OneCheckAndMargin, () => nodeA.Output + nodeB.Output);
        }
        await Task.Delay(SeveralChecks);
        await nodeA.RestartAsync();
        await Task.Delay(SeveralChecks);
        Assert.All(names, name => Assert.Single(RemindersAbout(smtp, name)));
        Assert.Contains(smtp.Messages(), m => m.Subject == $"two-node-02 expires tomorrow, {ExpiresOn(1)}");
    }

    /// <summary>The portal's reminder row for <paramref name="instance"/>: its outcome, and whether the sender has looked at it since it was claimed.</summary>
    private static async Task<(string Outcome, bool LookedAt)?> ReminderAsync(PortalProcess portal, string instance)
    {
        await using var connection = new SqliteConnection($"Data Source={portal.SqliteFile};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r."Outcome", r."NextAttemptAt" > r."ClaimedAt" FROM "ExpiryReminders" r JOIN "Instances" i ON i."Id" = r."InstanceId"
            WHERE i."Name" = $name
            """;
        command.Parameters.AddWithValue("$name", instance);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt64(1) == 1) : null;
    }

    /// <summary>The failed attempts recorded for the portal's one reminder (0 before it is claimed).</summary>
    private static async Task<int> AttemptsAsync(PortalProcess portal)
    {
        await using var connection = new SqliteConnection($"Data Source={portal.SqliteFile};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COALESCE(MAX("Attempts"), 0) FROM "ExpiryReminders" WHERE "Outcome" = 'Pending'""";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
