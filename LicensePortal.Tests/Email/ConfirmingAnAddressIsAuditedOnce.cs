using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using static LicensePortal.Tests.Email.MailTestKit;
using static LicensePortal.Tests.Infrastructure.Cultures;

namespace LicensePortal.Tests.Email;

/// <summary>
/// The confirmation link from a real SMTP server's mail, opened on the portal (in memory, on SQLite and PostgreSQL):
/// the first opening confirms the address and writes one audit entry, by the account; opening it again, or a forged
/// code, writes none.
/// </summary>
public sealed class ConfirmingAnAddressIsAuditedOnce
{
    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_first_opening_of_the_link_is_one_entry_and_a_second_or_a_forged_one_adds_none(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var smtp = await SmtpSink.StartAsync();
        // The sink's settings are named as environment variables (Email__Smtp__Host); configuration keys use ':'.
        await using var factory = new PortalWebFactory(database, smtp.PortalSettings().ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => p.Value));
        var admin = await factory.AdminAsync();
        var (dora, _) = await factory.CreateUserAsync("dora");
        var mail = await smtp.WaitForAsync(m => m.IsTo("dora@example.com"), TimeSpan.FromSeconds(30));
        var link = ConfirmationPath(mail);
        using var anonymous = factory.CreateBrowser();

        // A code that is not the link's: nothing confirmed, nothing audited.
        var forged = await anonymous.GetStringAsync(new Uri($"Identity/Account/ConfirmEmail?userId={dora.UserId}&code=Zm9yZ2Vk", UriKind.Relative));
        Assert.Contains("id=\"email-not-confirmed\"", forged, StringComparison.Ordinal);
        Assert.Empty(await EntriesAsync(factory, admin));
        Assert.False((await factory.Services.GetRequiredService<UserAdminService>().GetAsync(admin, dora.UserId))!.Confirmed);

        Assert.Contains("id=\"email-confirmed\"", await anonymous.GetStringAsync(new Uri(link, UriKind.Relative)), StringComparison.Ordinal);
        Assert.Contains("id=\"email-confirmed\"", await anonymous.GetStringAsync(new Uri(link, UriKind.Relative)), StringComparison.Ordinal);

        Assert.True((await factory.Services.GetRequiredService<UserAdminService>().GetAsync(admin, dora.UserId))!.Confirmed);
        var entry = Assert.Single(await EntriesAsync(factory, admin));
        Assert.Equal("dora", entry.ActorUserName);
        Assert.Equal("user", entry.TargetType);
        Assert.Equal("dora", entry.TargetKey);
        var text = factory.Services.GetRequiredService<IStringLocalizer<SharedResource>>();
        var line = InCulture("en", () => AuditSentences.Describe(entry, text));
        Assert.Equal("dora confirmed the e-mail address of account dora", line.Sentence);
        Assert.Equal(["Confirmed No → Yes"], line.Changes.Select(c => $"{c.Field} {c.Before} → {c.After}"));
        Assert.Equal("dora 确认了账户 dora 的邮箱地址", InCulture("zh-Hans", () => AuditSentences.Describe(entry, text).Sentence));
    }

    private static async Task<IReadOnlyList<AuditRow>> EntriesAsync(PortalWebFactory factory, PortalActor admin) =>
        (await factory.Services.GetRequiredService<AuditService>().ListAsync(admin, new AuditQuery { ActionPrefix = AuditLog.EmailConfirmed })).Value!.Items;
}
