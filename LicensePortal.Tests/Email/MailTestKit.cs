using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Tests.Email;

/// <summary>The e-mail tests' moves through the real portal's API, as an administrator's script would make them.</summary>
internal static partial class MailTestKit
{
    public const string OwnerPassword = "Own3r-Passw0rd-Mail!";

    /// <summary>The portal's settings for the tests: mail through <paramref name="smtp"/>, a check every 2 s, retries after 1 s.</summary>
    public static Dictionary<string, string> Settings(SmtpSink smtp, IDictionary<string, string>? more = null)
    {
        var settings = smtp.PortalSettings();
        settings["Reminders__CheckInterval"] = "00:00:02";
        settings["Reminders__RetryDelay"] = "00:00:01";
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        return settings;
    }

    public static Task<HttpClient> AdminAsync(PortalProcess portal) => TokenClientAsync(portal, PortalProcess.AdminUserName, PortalProcess.AdminPassword);

    /// <summary>An API client calling as <paramref name="userName"/>, with a personal token it got by that account's password.</summary>
    public static async Task<HttpClient> TokenClientAsync(PortalProcess portal, string userName, string password = OwnerPassword)
    {
        var api = new HttpClient { BaseAddress = portal.BaseAddress };
        var created = await JsonAsync(await api.PostAsJsonAsync("api/v1/tokens", new { userName, password, name = "mail-tests", expiresInDays = 1 }));
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.GetProperty("token").GetString());
        return api;
    }

    /// <summary>Creates an account through the API; returns its id.</summary>
    public static async Task<string> OwnerAsync(HttpClient api, string userName, string email, string? language = null, bool confirmed = false)
    {
        var created = await JsonAsync(await api.PostAsJsonAsync("api/v1/users", new { userName, email, password = OwnerPassword, role = "User", confirmed, language }));
        return created.GetProperty("user").GetProperty("id").GetString()!;
    }

    public static async Task InstanceAsync(HttpClient api, string name, string ownerId, int expiresInDays) =>
        await JsonAsync(await api.PostAsJsonAsync("api/v1/instances", new
        {
            name, ownerId, maxDesktops = 10, maxImages = 5, maxUsers = 20, maxVcpus = 64, maxVmemGib = 256, maxVdiskGib = 2048,
            expiresAt = ExpiresOn(expiresInDays),
        }));

    public static string ExpiresOn(int days) => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The mail's confirmation link, pointed at the portal process the test started (the mail names the public address).</summary>
    public static string ConfirmationLink(ReceivedMail mail, PortalProcess portal) => new Uri(portal.BaseAddress, ConfirmationPath(mail)).ToString();

    /// <summary>The mail's confirmation link without the portal's public address: "Identity/Account/ConfirmEmail?userId=…&amp;code=…".</summary>
    public static string ConfirmationPath(ReceivedMail mail)
    {
        var link = ConfirmLink().Match(mail.Text);
        Assert.True(link.Success, "no confirmation link in: " + mail.Text);
        return link.Value[SmtpSink.PortalUrl.Length..];
    }

    /// <summary>The reminders received about <paramref name="instance"/> (every reminder names its instance in the subject).</summary>
    public static List<ReceivedMail> RemindersAbout(SmtpSink smtp, string instance) =>
        smtp.Messages().Where(m => m.Message.Headers["X-Envelope-To"] is not null && m.Subject.StartsWith(instance + " ", StringComparison.Ordinal)).ToList();

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    [GeneratedRegex(@"https://licenses\.vendor\.example/Identity/Account/ConfirmEmail\?\S+")]
    private static partial Regex ConfirmLink();

    /// <summary>The portal's audit entries of <paramref name="action"/>: who, about which account.</summary>
    public static async Task<List<(string Actor, string Target)>> AuditAsync(PortalProcess portal, string action)
    {
        await using var connection = new SqliteConnection($"Data Source={portal.SqliteFile};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "ActorUserName", "TargetKey" FROM "AuditEntries" WHERE "Action" = $action ORDER BY "Id" """;
        command.Parameters.AddWithValue("$action", action);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    /// <summary>Waits (bounded) until <paramref name="smtp"/> holds this many mails to <paramref name="address"/>; returns them in order.</summary>
    public static async Task<List<ReceivedMail>> WaitForCountAsync(SmtpSink smtp, string address, int count, TimeSpan timeout, Func<string> context)
    {
        await smtp.WaitForAsync(_ => smtp.Messages().Count(m => m.IsTo(address)) >= count, timeout, context);
        return smtp.Messages().Where(m => m.IsTo(address)).ToList();
    }
}
