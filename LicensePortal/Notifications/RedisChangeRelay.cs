using LicensePortal.Observability;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LicensePortal.Notifications;

/// <summary>
/// Carries changes between portal nodes through Redis pub/sub, on "&lt;prefix&gt;:instances" and
/// "&lt;prefix&gt;:vendorkeys" (what the messages hold: <see cref="ChangeRelay"/>). Messages are sent fire-and-forget:
/// a change is committed before it is announced, and a Redis server that is slow or down must never hold up a save;
/// the client reconnects by itself, and the keys are re-read whenever it does. A message anyone could send to these
/// channels can make open pages re-read rows with their own rights, nothing more.
/// </summary>
public sealed class RedisChangeRelay(InstanceChangeNotifier notifier, VendorKeyStore vendorKeys, PortalMetrics metrics, IOptions<LiveUpdatesOptions> options, ILogger<RedisChangeRelay> logger)
    : ChangeRelay(notifier, vendorKeys, metrics)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly RedisChannel _instances = RedisChannel.Literal(options.Value.ChannelPrefix + ":instances");
    private readonly RedisChannel _vendorKeys = RedisChannel.Literal(options.Value.ChannelPrefix + ":vendorkeys");
    private ConnectionMultiplexer? _redis;

    /// <summary>The instances channel's name.</summary>
    public string InstancesChannel => _instances.ToString();

    protected override Task PublishInstanceChangesAsync(string[] payloads)
    {
        if (_redis?.GetSubscriber() is { } subscriber)
        {
            foreach (var payload in payloads)
            {
                subscriber.Publish(_instances, payload, CommandFlags.FireAndForget);
            }
        }
        return Task.CompletedTask;
    }

    protected override Task PublishVendorKeysChangedAsync(string payload)
    {
        _redis?.GetSubscriber().Publish(_vendorKeys, payload, CommandFlags.FireAndForget);
        return Task.CompletedTask;
    }

    private volatile bool _subscribed;

    public override bool IsConnected => _subscribed && _redis is { IsConnected: true };

    public override string Carrier => "Redis pub/sub";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var configuration = ConfigurationOptions.Parse(options.Value.Redis);
        // Start without Redis if it is down, and keep trying: live updates between nodes wait, the portal does not.
        configuration.AbortOnConnectFail = false;
        configuration.ClientName = "licenseportal-" + Node;
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        _redis.ConnectionFailed += (_, e) =>
            logger.LogWarning("Redis connection {Type} to {EndPoint} failed ({Failure}); live updates from other nodes wait until it is back",
                e.ConnectionType, e.EndPoint, e.FailureType);
        _redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                // Notices sent while this node was away are lost: re-read what a missed notice would have said (off the
                // client's thread: the key directory may be on a network volume).
                _ = Task.Run(OnListening);
            }
        };

        var subscriber = _redis.GetSubscriber();
        Action<RedisChannel, RedisValue> onInstance = (_, message) => OnInstanceMessage(message);
        Action<RedisChannel, RedisValue> onVendorKeys = (_, message) => OnVendorKeysMessage(message);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await subscriber.SubscribeAsync(_instances, onInstance);
                await subscriber.SubscribeAsync(_vendorKeys, onVendorKeys);
                OnListening();
                _subscribed = true;
                return; // the client keeps the subscriptions across reconnects
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "Subscribing to Redis for changes from other nodes failed; retrying in {Delay}", RetryDelay);
                // A subscribe that failed may have registered its handler: remove both, so that no message is heard twice.
                subscriber.Unsubscribe(_instances, onInstance, CommandFlags.FireAndForget);
                subscriber.Unsubscribe(_vendorKeys, onVendorKeys, CommandFlags.FireAndForget);
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_redis is { } redis)
        {
            await redis.CloseAsync();
            redis.Dispose();
        }
    }
}
