using System.Net;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Endpoints;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LicensePortal.Tests.Audit;

/// <summary>
/// GET /audit/export.csv of a seeded trail from the real portal process: sent in chunks while the query still runs, and
/// complete, well-formed CSV. Its speed and memory at 1,000,000 rows are measured by the audit-export benchmark
/// (docs/performance.md), not here.
/// </summary>
public sealed class AuditExportStreamsTests
{
    // About 13 MB of CSV: more than the socket buffers between the database, the portal and the client hold.
    private const int Entries = 100_000;
    private const string CsvHeader = "at,actor,address,action,target_type,target,before,after";

    [SkippableTheory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_large_export_streams_complete_well_formed_csv(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        List<AuditEntry> stored;
        await using (var services = await PortalServices.StartAsync(provider, shared: database))
        {
            await services.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(30, 0) { AuditEntries = Entries }, TextWriter.Null);
            // The newest entry: an actor name a spreadsheet would run as a formula, and a comma in the target.
            services.Time.Advance(TimeSpan.FromDays(1));
            var formula = new PortalActor("x", "=HYPERLINK(\"http://evil\")", PortalRole.Administrator) { RemoteAddress = "@10.0.0.1" };
            await services.Get<AuditService>().RecordAsync(formula, "vendorkey.add", "vendorkey", "key,2026", null, new { fingerprint = "-ab" });
            await using var db = await services.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            stored = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.At).ThenByDescending(e => e.Id).ToListAsync();
        }
        await using var portal = await StartPortalAsync(provider, database);
        using var client = await SignedInClientAsync(portal);

        using var response = await client.GetAsync(new Uri("/audit/export.csv", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TransferEncodingChunked, "the export is not sent in chunks");
        Assert.Null(response.Content.Headers.ContentLength);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        var header = await reader.ReadLineAsync();
        var firstRow = await reader.ReadLineAsync() ?? "";
        if (provider == DatabaseProvider.Postgres)
        {
            // The first rows are here and the rest unread: the portal's query must still be running, not read to the end first.
            Assert.True(await ExportQueryIsRunningAsync(database.ConnectionString), "the export read the whole trail before sending its first row");
        }
        var rest = await reader.ReadToEndAsync();

        Assert.Equal(CsvHeader, header);
        var rows = ParseCsv(firstRow + "\r\n" + rest);
        Assert.Equal(stored.Count, rows.Count);
        Assert.All(rows, row => Assert.Equal(8, row.Count));
        Assert.Equal(["'=HYPERLINK(\"http://evil\")", "'@10.0.0.1", "vendorkey.add", "vendorkey", "key,2026", "", "{\"fingerprint\":\"-ab\"}"], rows[0][1..]);
        Assert.StartsWith("\"'=HYPERLINK(\"\"http://evil\"\")\",'@10.0.0.1,", firstRow[(firstRow.IndexOf(',', StringComparison.Ordinal) + 1)..], StringComparison.Ordinal);
        for (var i = 0; i < stored.Count; i += 997)
        {
            var (entry, row) = (stored[i], rows[i]);
            Assert.Equal(entry.At.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), row[0]);
            Assert.Equal([entry.Action, entry.TargetType, entry.TargetKey, entry.Before ?? "", entry.After ?? ""], row[3..]);
        }
    }

    /// <summary>
    /// A connection lost in the middle of the export (the database restarted, the backend killed) ends the response
    /// unfinished, so the client sees a failed download. It is not retried: that would send the rows again after the
    /// ones already sent, and the file would look complete.
    /// </summary>
    [SkippableFact]
    public async Task A_connection_lost_mid_export_ends_the_download_unfinished()
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        await using (var services = await PortalServices.StartAsync(DatabaseProvider.Postgres, shared: database))
        {
            await services.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(30, 0) { AuditEntries = Entries }, TextWriter.Null);
        }
        await using var portal = await StartPortalAsync(DatabaseProvider.Postgres, database);
        using var client = await SignedInClientAsync(portal);

        using var response = await client.GetAsync(new Uri("/audit/export.csv", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        Assert.Equal(CsvHeader, await reader.ReadLineAsync());
        Assert.NotNull(await reader.ReadLineAsync());
        Assert.Equal(1L, await TerminateExportQueryAsync(database.ConnectionString));

        var received = 2;
        var failure = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                Assert.NotEqual(CsvHeader, line);
                received++;
            }
        });
        Assert.True(failure is IOException or HttpRequestException, $"the download ended as if complete after {received} lines: {failure}");
        Assert.True(received < Entries, $"{received} lines arrived for {Entries} entries");
    }

    private static async Task<PortalProcess> StartPortalAsync(DatabaseProvider provider, TestDatabase database)
    {
        var settings = new Dictionary<string, string> { ["ConnectionStrings__LicensePortal"] = database.ConnectionString };
        if (provider == DatabaseProvider.Postgres)
        {
            settings["Database__Provider"] = "Postgres";
            // Loopback sockets grow their buffers to tens of MB, enough to hold the whole export between PostgreSQL and
            // the client, so a query that ends early would not show whether the portal buffered it. Small fixed buffers
            // on the portal's database socket and on the client's socket make the portal's reading follow the client's.
            settings["ConnectionStrings__LicensePortal"] = new NpgsqlConnectionStringBuilder(database.ConnectionString) { SocketReceiveBufferSize = 16 * 1024 }.ConnectionString;
        }
        return await PortalProcess.StartAsync(settings);
    }

    /// <summary>An administrator's client whose socket takes 64 KiB at a time, so the export has to wait for its reading.</summary>
    private static async Task<HttpClient> SignedInClientAsync(PortalProcess portal)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024, NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        using (var signIn = await PortalWebFactory.SignInAsync(client, PortalServices.AdminUserName, PortalServices.AdminPassword))
        {
            Assert.True(SignInTests.HasAuthCookie(signIn), portal.Output);
        }
        return client;
    }

    /// <summary>Ends the backend running the export's query, as a database restart would; returns how many it ended.</summary>
    private static async Task<long> TerminateExportQueryAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%FROM "AuditEntries"%') AS ended
            """, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Another backend of the test database is running a query on the audit trail.</summary>
    private static async Task<bool> ExportQueryIsRunningAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%FROM "AuditEntries"%'
            """, connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>RFC 4180: fields split by commas, rows by CRLF; a quoted field may hold both, and doubles its quotes.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                Assert.Equal(0, field.Length); // a quote only opens a field
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                Assert.NotEqual('\n', c); // a bare line break outside quotes is not CSV
                field.Append(c);
            }
        }
        Assert.False(quoted, "an unterminated quoted field");
        Assert.True(row.Count == 0 && field.Length == 0, "the last row does not end with CRLF");
        return rows;
    }
}
