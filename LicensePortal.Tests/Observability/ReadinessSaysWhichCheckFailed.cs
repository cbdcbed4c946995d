using System.Net;
using System.Text.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Tests.Observability;

/// <summary>
/// /healthz/live and /healthz/ready of a real portal process while an operator's mistakes happen under it: a database
/// one migration behind (an upgrade half done) and a key directory that went away (a volume not mounted).
/// </summary>
public sealed class ReadinessSaysWhichCheckFailed
{
    [Fact]
    public async Task Ready_fails_naming_the_check_while_live_stays_up_and_recovers_when_fixed()
    {
        var folder = Directory.CreateTempSubdirectory("lp-ready-");
        try
        {
            var database = Path.Combine(folder.FullName, "portal.db");
            var keys = Path.Combine(folder.FullName, "keys");
            await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings__LicensePortal"] = $"Data Source={database}",
                ["Licensing__KeyDirectory"] = keys,
            });
            using var http = new HttpClient { BaseAddress = portal.BaseAddress };

            var live = await GetAsync(http, "healthz/live", HttpStatusCode.OK);
            Assert.Equal("Healthy", live.GetProperty("status").GetString());
            Assert.Empty(live.GetProperty("checks").EnumerateArray());
            var ready = await GetAsync(http, "healthz/ready", HttpStatusCode.OK);
            Assert.Equal(["database", "relay", "vendor-keys"], Checks(ready).Keys.Order());
            Assert.All(Checks(ready).Values, status => Assert.Equal("Healthy", status));
            Assert.Equal(Checks(ready), Checks(await GetAsync(http, "healthz", HttpStatusCode.OK)));

            // One migration forgotten: not ready, and the answer says it is the database.
            string lastMigration;
            await using (var sqlite = new SqliteConnection($"Data Source={database};Pooling=false"))
            {
                await sqlite.OpenAsync();
                await using var read = new SqliteCommand("SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId DESC LIMIT 1", sqlite);
                lastMigration = (string)(await read.ExecuteScalarAsync())!;
                await using var forget = new SqliteCommand($"DELETE FROM __EFMigrationsHistory WHERE MigrationId = '{lastMigration}'", sqlite);
                await forget.ExecuteNonQueryAsync();
            }
            var behind = await GetAsync(http, "healthz/ready", HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", Checks(behind)["database"]);
            Assert.Equal("Healthy", Checks(behind)["vendor-keys"]);
            await GetAsync(http, "healthz/live", HttpStatusCode.OK);
            await using (var sqlite = new SqliteConnection($"Data Source={database};Pooling=false"))
            {
                await sqlite.OpenAsync();
                await using var restore = new SqliteCommand($"INSERT INTO __EFMigrationsHistory (MigrationId, ProductVersion) VALUES ('{lastMigration}', '10.0.15')", sqlite);
                await restore.ExecuteNonQueryAsync();
            }
            await GetAsync(http, "healthz/ready", HttpStatusCode.OK);

            // The key directory is gone: not ready, naming the keys, and without the paths or anything secret.
            var away = keys + ".away";
            Directory.Move(keys, away);
            var noKeys = await GetAsync(http, "healthz/ready", HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", Checks(noKeys)["vendor-keys"]);
            Assert.Equal("Healthy", Checks(noKeys)["database"]);
            Assert.DoesNotContain(folder.FullName, noKeys.GetRawText(), StringComparison.Ordinal);
            await GetAsync(http, "healthz/live", HttpStatusCode.OK);
            Directory.Move(away, keys);
            await GetAsync(http, "healthz/ready", HttpStatusCode.OK);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Dictionary<string, string> Checks(JsonElement report) =>
        report.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!);

    private static async Task<JsonElement> GetAsync(HttpClient http, string path, HttpStatusCode expected)
    {
        using var answer = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == expected, $"{path}: {(int)answer.StatusCode} {body}");
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
