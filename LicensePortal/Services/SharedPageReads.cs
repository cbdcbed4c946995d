using System.Collections.Concurrent;

namespace LicensePortal.Services;

/// <summary>
/// One read of an instances page, shared by every open page that refreshes with the same query for the same audience
/// after the same change: with a hundred administrators' grids open, one change cost a hundred identical count and page
/// queries (docs/performance.md, issue 5). A read is shared only if it started after the change it is asked for, so a
/// refresh never shows less than the change that caused it. Each caller gets its own row objects (pages edit them).
/// </summary>
internal sealed class SharedPageReads
{
    /// <summary>More distinct views than pages open at once: forget them rather than grow.</summary>
    private const int MaxReads = 1_000;

    private readonly ConcurrentDictionary<(string Audience, InstanceQuery Query), SharedRead> _reads = new();

    /// <param name="generation">The latest change delivered on this node (<see cref="Notifications.InstanceChangeNotifier.Generation"/>), read before anything else.</param>
    /// <param name="actor">Whose page: staff all see the same rows, a customer their own.</param>
    /// <param name="query">The page's query.</param>
    /// <param name="read">The read itself, run when no read of this page since <paramref name="generation"/> can be shared.</param>
    public async Task<Page<InstanceRow>> ReadAsync(long generation, PortalActor actor, InstanceQuery query, Func<Task<Page<InstanceRow>>> read)
    {
        var key = (InstanceAccess.AudienceKey(actor), query);
        if (_reads.Count > MaxReads)
        {
            _reads.Clear();
        }
        var fresh = new SharedRead(generation, new Lazy<Task<Page<InstanceRow>>>(read));
        var shared = _reads.AddOrUpdate(key, fresh, (_, old) => old.Generation >= generation && !old.Failed ? old : fresh);
        var page = await shared.Read.Value;
        return page with { Items = page.Items.Select(i => i.Clone()).ToList() };
    }

    private sealed record SharedRead(long Generation, Lazy<Task<Page<InstanceRow>>> Read)
    {
        public bool Failed => Read.IsValueCreated && (Read.Value.IsFaulted || Read.Value.IsCanceled);
    }
}
