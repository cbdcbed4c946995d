using LicensePortal.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LicensePortal.Data;

/// <summary>Registers the provider-specific DbContext and exposes it to services as <see cref="IDbContextFactory{AppDbContext}"/>.</summary>
public static class DatabaseSetup
{
    public const string ConnectionStringName = "LicensePortal";

    public static IServiceCollection AddPortalDatabase(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var connectionString = configuration.GetConnectionString(ConnectionStringName);

        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                connectionString = PrepareSqlite(connectionString, environment.ContentRootPath);
                // Pooled: contexts are created per operation all day long, and a pooled one skips its setup.
                services.AddPooledDbContextFactory<SqliteAppDbContext>(o => o.UseSqlite(connectionString).AddInterceptors(new SqlitePragmas()));
                services.AddSingleton<IDbContextFactory<AppDbContext>, AppDbContextFactory<SqliteAppDbContext>>();
                break;
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:LicensePortal is empty.");
                }
                // A query or uncommitted save whose connection was lost (a server restart) runs once more on a new one.
                services.AddPooledDbContextFactory<PostgresAppDbContext>(o => o
                    .UseNpgsql(connectionString, npgsql => npgsql.ExecutionStrategy(d => new ConnectionLossRetry(d)))
                    .AddInterceptors(new CommitTracker()));
                services.AddSingleton<IDbContextFactory<AppDbContext>, AppDbContextFactory<PostgresAppDbContext>>();
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite or Postgres.");
        }

        // Identity's stores want a scoped context; it is short-lived per request, never held by a circuit.
        services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    /// <summary>Default: a SQLite file in a "data" folder beside the app, created when missing.</summary>
    internal static string PrepareSqlite(string? connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(connectionString)
            ? $"Data Source={Path.Combine(contentRoot, "data", "licenseportal.db")}"
            : connectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:")
        {
            var fullPath = Path.GetFullPath(builder.DataSource, contentRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
            builder.DataSource = fullPath;
        }
        // Waits for a writer instead of failing at once under concurrent requests.
        builder.DefaultTimeout = 30;
        return builder.ToString();
    }

    /// <summary>Applies migrations; on SQLite also switches the file to WAL so readers never wait for a writer.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        // An empty history table first: on a new database EF Core reads it before creating it and logs that failure
        // as an error (npgsql/efcore.pg#3407, dotnet/efcore#37328), which sends an operator after a fault there is not.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }
}

internal sealed class AppDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AppDbContext>
    where TContext : AppDbContext
{
    public AppDbContext CreateDbContext() => inner.CreateDbContext();
}
