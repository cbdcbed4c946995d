using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LicensePortal.Observability;

/// <summary>
/// The database answers and has every migration this build knows: a node on an older schema (an upgrade half done) is
/// not ready. The description is the portal's own words, never an exception's message (which can name hosts and users).
/// </summary>
public sealed class DatabaseReadiness(IDbContextFactory<AppDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (!await db.Database.CanConnectAsync(cancellationToken))
            {
                return HealthCheckResult.Unhealthy("The database does not answer.");
            }
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            return pending == 0 ? HealthCheckResult.Healthy("Reachable and migrated.") : HealthCheckResult.Unhealthy($"{pending} migration(s) not applied.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.");
        }
    }
}

/// <summary>The key directory is readable and its current signing key has a certificate from the root valid now.</summary>
public sealed class VendorKeyReadiness(VendorKeyStore keys, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!Directory.Exists(keys.KeyDirectory) || !Directory.EnumerateFiles(keys.KeyDirectory).Any())
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("The key directory is missing or empty."));
            }
            var current = keys.CurrentInfo;
            return Task.FromResult(current.Certificate is { } certificate && certificate.IsSignedBy(keys.Root) && certificate.Covers(time.GetUtcNow())
                ? HealthCheckResult.Healthy($"Signing key {current.KeyId}, certified until {certificate.ValidUntil:yyyy-MM-dd}.")
                : HealthCheckResult.Unhealthy($"Signing key {current.KeyId} has no certificate valid now."));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The key directory cannot be read."));
        }
    }
}

/// <summary>
/// With several nodes, whether this node hears the others' live updates. A relay that is down makes the node Degraded,
/// not Unhealthy: its own pages, licenses and uploads work, and a Redis outage must not take every node out of the load
/// balancer at once.
/// </summary>
public sealed class RelayReadiness(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var relay = (ChangeRelay?)services.GetService<RedisChangeRelay>() ?? services.GetService<PostgresChangeRelay>();
        return Task.FromResult(relay switch
        {
            null => HealthCheckResult.Healthy("One node (SQLite): nothing to relay."),
            { IsConnected: true } => HealthCheckResult.Healthy($"Listening ({relay.Carrier})."),
            _ => HealthCheckResult.Degraded($"Not listening ({relay.Carrier}); live updates from other nodes wait."),
        });
    }
}
