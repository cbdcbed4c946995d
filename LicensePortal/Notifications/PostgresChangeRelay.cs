using LicensePortal.Data;
using LicensePortal.Observability;
using LicensePortal.Services;
using Npgsql;

namespace LicensePortal.Notifications;

/// <summary>
/// Carries changes between portal nodes that share one PostgreSQL database, with LISTEN/NOTIFY (what the messages hold:
/// <see cref="ChangeRelay"/>). The listening connection reconnects after failures.
/// </summary>
public sealed class PostgresChangeRelay(InstanceChangeNotifier notifier, VendorKeyStore vendorKeys, PortalMetrics metrics, IConfiguration configuration, ILogger<PostgresChangeRelay> logger)
    : ChangeRelay(notifier, vendorKeys, metrics)
{
    public const string Channel = "licenseportal_instances";

    public const string VendorKeyChannel = "licenseportal_vendorkeys";

    private readonly string _connectionString = configuration.GetConnectionString(DatabaseSetup.ConnectionStringName)
        ?? throw new InvalidOperationException("ConnectionStrings:LicensePortal is required for PostgreSQL.");

    protected override async Task PublishVendorKeysChangedAsync(string payload)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @node)", connection);
        command.Parameters.AddWithValue("channel", VendorKeyChannel);
        command.Parameters.AddWithValue("node", payload);
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task PublishInstanceChangesAsync(string[] payloads)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, payload) FROM unnest(@payloads) AS payload", connection);
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payloads", payloads);
        await command.ExecuteNonQueryAsync();
    }

    private volatile bool _connected;

    public override bool IsConnected => _connected;

    public override string Carrier => "PostgreSQL LISTEN/NOTIFY";

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
                        OnVendorKeysMessage(e.Payload);
                    }
                    else
                    {
                        OnInstanceMessage(e.Payload);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}; LISTEN {VendorKeyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                OnListening();
                _connected = true;
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
                _connected = false;
                logger.LogWarning(ex, "Listening for changes from other nodes failed; retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }
}
