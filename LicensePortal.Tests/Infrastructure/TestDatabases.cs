using LicensePortal.Data;
using Npgsql;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// Where integration tests get a real, empty database: a SQLite file in a temp folder, or a fresh database on the
/// PostgreSQL server named by LICENSEPORTAL_TEST_POSTGRES (a connection string to a server where we may CREATE DATABASE).
/// </summary>
public static class TestDatabases
{
    public const string PostgresVariable = "LICENSEPORTAL_TEST_POSTGRES";

    public static string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs : null;

    /// <summary>Both providers, for [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))].</summary>
    public static TheoryData<DatabaseProvider> Providers => new() { DatabaseProvider.Sqlite, DatabaseProvider.Postgres };

    /// <summary>Skips loudly (the runner lists it as skipped, with this reason) when PostgreSQL is asked for but not configured.</summary>
    public static void SkipIfUnavailable(DatabaseProvider provider) =>
        Skip.If(provider == DatabaseProvider.Postgres && PostgresServer is null,
            $"PostgreSQL NOT TESTED: set {PostgresVariable} (bash .ci/run does) to run this test on PostgreSQL.");

    /// <summary>A new empty database; dispose to remove it.</summary>
    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var folder = Directory.CreateTempSubdirectory("lp-test-");
            return new TestDatabase(provider, $"Data Source={Path.Combine(folder.FullName, "portal.db")}", async () =>
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                await Task.Run(() => folder.Delete(recursive: true));
            });
        }

        var server = PostgresServer ?? throw new InvalidOperationException($"{PostgresVariable} is not set.");
        var name = "lp_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestDatabase(provider, builder.ConnectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        });
    }
}

/// <summary>A throwaway database: its provider, its connection string, and how to remove it.</summary>
public sealed class TestDatabase(DatabaseProvider provider, string connectionString, Func<Task> remove) : IAsyncDisposable
{
    public DatabaseProvider Provider { get; } = provider;

    public string ConnectionString { get; } = connectionString;

    public ValueTask DisposeAsync() => new(remove());
}
