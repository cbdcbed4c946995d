namespace LicensePortal.Notifications;

/// <summary>What changed: enough for a listener to decide whether it may see it and to re-read the row.</summary>
public sealed record InstanceChange(int InstanceId, string OwnerId, InstanceChangeKind Kind);

public enum InstanceChangeKind
{
    Created,
    Updated,
    Deleted,
}

/// <summary>
/// Every committed instance change goes through here; open pages subscribe to refresh themselves.
/// Handlers run one after another on the caller's thread; one that throws is logged and never stops the others.
/// </summary>
public sealed class InstanceChangeNotifier(ILogger<InstanceChangeNotifier> logger)
{
    private readonly Lock _gate = new();
    private ImmutableHandlers _handlers = ImmutableHandlers.Empty;

    /// <summary>The number of live subscriptions (pages that forgot to unsubscribe show up here).</summary>
    public int SubscriberCount => _handlers.Items.Length;

    /// <summary>Subscribes a handler; dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe(Func<InstanceChange, Task> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Add(handler);
        }
        return new Subscription(this, handler);
    }

    /// <summary>Announces committed changes. Handlers are expected to hand off quickly (InvokeAsync on a circuit).</summary>
    public async Task PublishAsync(IEnumerable<InstanceChange> changes)
    {
        var handlers = _handlers.Items;
        foreach (var change in changes)
        {
            foreach (var handler in handlers)
            {
                try
                {
                    await handler(change);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "An instance change subscriber failed for instance {InstanceId}", change.InstanceId);
                }
            }
        }
    }

    public Task PublishAsync(InstanceChange change) => PublishAsync([change]);

    private void Unsubscribe(Func<InstanceChange, Task> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Remove(handler);
        }
    }

    private sealed record ImmutableHandlers(Func<InstanceChange, Task>[] Items)
    {
        public static readonly ImmutableHandlers Empty = new([]);

        public ImmutableHandlers Add(Func<InstanceChange, Task> h) => new([.. Items, h]);

        public ImmutableHandlers Remove(Func<InstanceChange, Task> h) => new(Items.Where(x => x != h).ToArray());
    }

    private sealed class Subscription(InstanceChangeNotifier owner, Func<InstanceChange, Task> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }
}
