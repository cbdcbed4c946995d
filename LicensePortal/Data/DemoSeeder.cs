using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LicensePortal.Data;

/// <summary>
/// Fills a database with demo accounts, instances and audit entries, fast: raw parameterized SQL in large transactions on SQLite
/// (one prepared INSERT reused), binary COPY on PostgreSQL. Accounts are real Identity rows (normalized names,
/// security and concurrency stamps, role User) without a password hash, so none of them can sign in.
/// </summary>
public sealed class DemoSeeder(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    /// <summary>True when the database holds at least one instance.</summary>
    public async Task<bool> HasInstancesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Instances.AnyAsync(cancellationToken);
    }

    public async Task<DemoSeedResult> SeedAsync(DemoSeedOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var stopwatch = Stopwatch.StartNew();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!options.Append && await db.Instances.AnyAsync(cancellationToken))
        {
            await output.WriteLineAsync("seed-demo: the database already has instances; refusing to seed. Pass --append to add more.");
            return new DemoSeedResult(false, 0, 0, stopwatch.Elapsed);
        }
        var userRoleId = await db.Roles.Where(r => r.Name == PortalRole.User).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("Role User is missing: run first-run setup (migrations and roles) before seeding.");
        // Numbers continue after the existing accounts, so an --append run never reuses a name.
        var firstNumber = await db.Users.CountAsync(cancellationToken) + 1;

        var data = new DemoData(options, firstNumber, time.GetUtcNow().UtcDateTime);
        await output.WriteLineAsync($"seed-demo: {options.Users:N0} users, {options.Instances:N0} instances and {options.AuditEntries:N0} audit entries into {db.Database.ProviderName}...");

        var progress = new DemoProgress(output, stopwatch);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            switch (connection)
            {
                case SqliteConnection sqlite:
                    await SqliteDemoWriter.WriteAsync(sqlite, data, userRoleId, progress, cancellationToken);
                    break;
                case NpgsqlConnection npgsql:
                    await PostgresDemoWriter.WriteAsync(npgsql, data, userRoleId, progress, cancellationToken);
                    break;
                default:
                    throw new NotSupportedException($"seed-demo does not know {connection.GetType().Name}.");
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        await output.WriteLineAsync($"seed-demo: done in {stopwatch.Elapsed.TotalSeconds:F1} s. The {options.Users:N0} demo accounts have no password and cannot sign in.");
        return new DemoSeedResult(true, options.Users, options.Instances, stopwatch.Elapsed) { AuditEntries = options.AuditEntries };
    }

    /// <summary>One statement, without a command timeout: the seed's ANALYZE and VACUUM may run long.</summary>
    internal static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The seed's progress lines: what is done, and the seconds since the seed started.</summary>
internal sealed class DemoProgress(TextWriter output, Stopwatch stopwatch)
{
    public Task ReportAsync(string what) => output.WriteLineAsync($"seed-demo: {what} ({stopwatch.Elapsed.TotalSeconds:F1} s)");
}
