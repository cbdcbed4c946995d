using System.Globalization;
using LicensePortal.Data;
using LicensePortal.Services;
using Npgsql;

namespace LicensePortal.Notifications;

/// <summary>
/// Carries changes between portal nodes that share one PostgreSQL database, with LISTEN/NOTIFY. Instance changes: payloads
/// hold ids only ("node|instance|owner|kind"); receivers re-read the rows they show. Vendor keys: the payload is the
/// sending node's id and nothing else; receivers re-read the shared key directory. A node ignores its own notifications
/// (it applied them locally already). The listening connection reconnects after failures, and re-reads the keys each
/// time it starts listening, in case a notice went by while it was not.
/// </summary>
public sealed class PostgresChangeRelay(InstanceChangeNotifier notifier, VendorKeyStore vendorKeys, IConfiguration configuration, ILogger<PostgresChangeRelay> logger) : BackgroundService
{
    public const string Channel = "licenseportal_instances";

    public const string VendorKeyChannel = "licenseportal_vendorkeys";

    private readonly string _connectionString = configuration.GetConnectionString(DatabaseSetup.ConnectionStringName)
        ?? throw new InvalidOperationException("ConnectionStrings:LicensePortal is required for PostgreSQL.");

    private readonly string _node = Guid.NewGuid().ToString("N")[..12];

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this node listens (tests wait for it before changing things on another node).</summary>
    public Task Listening => _listening.Task;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        notifier.Relay = SendAsync;
        vendorKeys.Relay = SendVendorKeysChangedAsync;
        return base.StartAsync(cancellationToken);
    }

    private async Task SendVendorKeysChangedAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @node)", connection);
        command.Parameters.AddWithValue("channel", VendorKeyChannel);
        command.Parameters.AddWithValue("node", _node);
        await command.ExecuteNonQueryAsync();
    }

    private async Task SendAsync(IReadOnlyList<InstanceChange> changes)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, payload) FROM unnest(@payloads) AS payload", connection);
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payloads", changes.Select(c => string.Join('|', _node, c.InstanceId.ToString(CultureInfo.InvariantCulture), c.OwnerId, c.Kind)).ToArray());
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == VendorKeyChannel)
                    {
                        OnVendorKeysChanged(e.Payload);
                    }
                    else
                    {
                        OnNotification(e.Payload);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}; LISTEN {VendorKeyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                vendorKeys.Reload();
                _listening.TrySetResult();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
            {
                logger.LogWarning(ex, "Listening for changes from other nodes failed; retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private void OnVendorKeysChanged(string payload)
    {
        if (payload != _node)
        {
            // Off the connection's thread: reading files (perhaps on a network volume) must not hold up the next notification.
            _ = Task.Run(vendorKeys.Reload);
        }
    }

    private void OnNotification(string payload)
    {
        var parts = payload.Split('|');
        if (parts.Length != 4 || parts[0] == _node
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var instanceId)
            || !Enum.TryParse<InstanceChangeKind>(parts[3], out var kind))
        {
            return;
        }
        // Off the connection's thread: a slow page must not hold up reading the next notification.
        _ = Task.Run(() => notifier.DeliverAsync([new InstanceChange(instanceId, parts[2], kind)]));
    }
}
