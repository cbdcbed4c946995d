using System.Globalization;
using LicensePortal.Observability;
using LicensePortal.Services;

namespace LicensePortal.Notifications;

/// <summary>
/// Carries changes between portal nodes; the carriers are <see cref="PostgresChangeRelay"/> (LISTEN/NOTIFY) and
/// <see cref="RedisChangeRelay"/> (pub/sub). Instance changes travel as ids only ("node|instance|owner|kind"): a
/// receiving node delivers them to its own pages, which re-read the rows with their viewer's rights, so a message can make
/// a page refresh but never show it anything. A vendor key notice is the sending node's id and nothing else: receivers
/// re-read the shared key directory. A node ignores its own messages (it delivered them locally already).
/// </summary>
public abstract class ChangeRelay(InstanceChangeNotifier notifier, VendorKeyStore vendorKeys, PortalMetrics metrics) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This node's id in the messages it sends.</summary>
    protected string Node { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Completes once this node listens (tests wait for it before changing things on another node).</summary>
    public Task Listening => _listening.Task;

    /// <summary>Whether this node hears the other nodes now (readiness reports it).</summary>
    public abstract bool IsConnected { get; }

    /// <summary>"PostgreSQL LISTEN/NOTIFY" or "Redis pub/sub", for readiness.</summary>
    public abstract string Carrier { get; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        notifier.Relay = changes =>
        {
            var payloads = changes.Select(Format).ToArray();
            metrics.RelayMessages("sent", payloads.Length);
            return PublishInstanceChangesAsync(payloads);
        };
        vendorKeys.Relay = () =>
        {
            metrics.RelayMessages("sent", 1);
            return PublishVendorKeysChangedAsync(Node);
        };
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Sends one message per change on the instances channel.</summary>
    protected abstract Task PublishInstanceChangesAsync(string[] payloads);

    /// <summary>Sends <paramref name="payload"/> (this node's id) on the vendor keys channel.</summary>
    protected abstract Task PublishVendorKeysChangedAsync(string payload);

    /// <summary>
    /// The carrier listens (again): re-read the keys, in case a notice went by while it did not.
    /// </summary>
    protected void OnListening()
    {
        vendorKeys.Reload();
        _listening.TrySetResult();
    }

    /// <summary>A message on the instances channel. Malformed messages and this node's own are ignored.</summary>
    protected void OnInstanceMessage(string? payload)
    {
        var parts = (payload ?? "").Split('|');
        if (parts.Length != 4 || parts[0] == Node
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var instanceId)
            || !Enum.TryParse<InstanceChangeKind>(parts[3], out var kind) || !Enum.IsDefined(kind))
        {
            return;
        }
        metrics.RelayMessages("received", 1);
        // Off the carrier's thread: a slow page must not hold up reading the next message.
        _ = Task.Run(() => notifier.DeliverAsync([new InstanceChange(instanceId, parts[2], kind)]));
    }

    /// <summary>A message on the vendor keys channel: another node added a key.</summary>
    protected void OnVendorKeysMessage(string? payload)
    {
        if (payload != Node)
        {
            metrics.RelayMessages("received", 1);
            // Off the carrier's thread: reading files (perhaps on a network volume) must not hold up the next message.
            _ = Task.Run(vendorKeys.Reload);
        }
    }

    private string Format(InstanceChange change) =>
        string.Join('|', Node, change.InstanceId.ToString(CultureInfo.InvariantCulture), change.OwnerId, change.Kind);
}
