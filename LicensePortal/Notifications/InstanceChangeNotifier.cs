using System.Globalization;
using LicensePortal.Services;

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
/// Every committed instance change goes through here; open pages subscribe to refresh themselves. A subscription
/// belongs to a viewer and only hears of instances that viewer may see (a customer: their own). Handlers are started
/// together and not awaited one by one, so a slow or broken page never delays the others; failures are logged.
/// </summary>
/// <remarks>
/// A handler runs in its subscriber's culture, captured when it subscribed (on the page's circuit: the viewer's language
/// switch, cookie or browser language). Without that it would run in the publisher's: the culture flows with the
/// execution context into the handler and through the page's InvokeAsync into its render, so another user's change (or
/// a relay message, on a thread with no culture of its own) would redraw the page in that user's language.
/// </remarks>
public sealed class InstanceChangeNotifier(ILogger<InstanceChangeNotifier> logger)
{
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];
    private long _generation;

    /// <summary>
    /// How many deliveries of changes this node has made. Changes are delivered after they are committed, so a read that
    /// starts after seeing generation G sees every change delivered up to G: open pages refreshing for the same change
    /// can share one read (<see cref="InstanceService.ListForRefreshAsync"/>).
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The number of live subscriptions (pages that forgot to unsubscribe show up here).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscriptions).Length;

    /// <summary>
    /// Subscribes <paramref name="handler"/> to the changes <paramref name="viewer"/> may see; dispose the result to
    /// unsubscribe. The handler will run in the culture current now (call this on the viewer's circuit).
    /// </summary>
    public IDisposable Subscribe(PortalActor viewer, Func<InstanceChange, Task> handler)
    {
        var subscription = new Subscription(this, viewer, handler, CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }
        return subscription;
    }

    /// <summary>
    /// Carries changes to the other portal nodes (<see cref="ChangeRelay"/>: PostgreSQL LISTEN/NOTIFY or Redis); null on a
    /// single node. Set once at start.
    /// </summary>
    public Func<IReadOnlyList<InstanceChange>, Task>? Relay { get; set; }

    /// <summary>Announces committed changes to every subscriber allowed to see them, here and on the other nodes.</summary>
    public async Task PublishAsync(IEnumerable<InstanceChange> changes)
    {
        var list = changes as IReadOnlyList<InstanceChange> ?? changes.ToList();
        var local = DeliverAsync(list);
        if (Relay is { } relay && list.Count > 0)
        {
            try
            {
                await relay(list);
            }
            catch (Exception ex)
            {
                // The change is committed; other nodes catch up on their next reload. Never fail the caller for this.
                logger.LogWarning(ex, "Relaying {Count} instance change(s) to other nodes failed", list.Count);
            }
        }
        await local;
    }

    /// <summary>Delivers changes to this node's subscribers only (what the relay calls for changes made elsewhere).</summary>
    public Task DeliverAsync(IEnumerable<InstanceChange> changes)
    {
        Interlocked.Increment(ref _generation);
        var subscriptions = Volatile.Read(ref _subscriptions);
        if (subscriptions.Length == 0)
        {
            return Task.CompletedTask;
        }
        var pending = new List<Task>();
        foreach (var change in changes)
        {
            foreach (var subscription in subscriptions)
            {
                if (subscription.MaySee(change))
                {
                    pending.Add(Deliver(subscription, change));
                }
            }
        }
        return Task.WhenAll(pending);
    }

    public Task PublishAsync(InstanceChange change) => PublishAsync([change]);

    private async Task Deliver(Subscription subscription, InstanceChange change)
    {
        // Set in this async method only: the publisher's own culture is back when it returns.
        CultureInfo.CurrentCulture = subscription.Culture;
        CultureInfo.CurrentUICulture = subscription.UICulture;
        try
        {
            await subscription.Handler(change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "An instance change subscriber failed for instance {InstanceId}", change.InstanceId);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = _subscriptions.Where(s => s != subscription).ToArray();
        }
    }

    private sealed class Subscription(InstanceChangeNotifier owner, PortalActor viewer, Func<InstanceChange, Task> handler, CultureInfo culture, CultureInfo uiCulture)
        : IDisposable
    {
        private int _disposed;

        public Func<InstanceChange, Task> Handler { get; } = handler;

        /// <summary>The subscriber's formatting culture and UI language, for its handler.</summary>
        public CultureInfo Culture { get; } = culture;

        public CultureInfo UICulture { get; } = uiCulture;

        public bool MaySee(InstanceChange change) => InstanceAccess.MaySee(viewer, change.OwnerId);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
