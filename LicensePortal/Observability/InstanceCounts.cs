using System.Diagnostics.Metrics;
using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Observability;

/// <summary>
/// The gauge <c>licenseportal_instances{status=...}</c>: how many instances are in each state. Counting a million rows
/// per scrape would cost the database on every scrape of every node, so the counts are read at most every
/// <see cref="MaxAge"/> and served from memory in between.
/// </summary>
public sealed class InstanceCounts
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<InstanceCounts> _logger;
    private readonly Lock _lock = new();
    private IReadOnlyList<(InstanceStatus Status, int Count)> _counts = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public InstanceCounts(IMeterFactory meters, IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, ILogger<InstanceCounts> logger)
    {
        _dbFactory = dbFactory;
        _time = time;
        _logger = logger;
        meters.Create(PortalMetrics.MeterName).CreateObservableGauge("licenseportal.instances", Observe, description: "Instances in each state (read at most every 30 s).");
    }

    private IEnumerable<Measurement<int>> Observe()
    {
        lock (_lock)
        {
            if (_time.GetUtcNow() - _readAt >= MaxAge)
            {
                try
                {
                    _counts = Read();
                }
                catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    // A scrape while the database is away: the last counts stand (readiness reports the outage).
                    _logger.LogWarning(ex, "Could not count instances by state for the metrics");
                }
                _readAt = _time.GetUtcNow();
            }
            return _counts.Select(c => new Measurement<int>(c.Count, new KeyValuePair<string, object?>("status", c.Status.ToString()))).ToList();
        }
    }

    // The gauge's callback is synchronous (the exporter collects on its own thread); one small grouped query.
    private List<(InstanceStatus, int)> Read()
    {
        using var db = _dbFactory.CreateDbContext();
        var counts = db.Instances.AsNoTracking().GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToList();
        return Enum.GetValues<InstanceStatus>().Select(s => (s, counts.FirstOrDefault(c => c.Key == s)?.Count ?? 0)).ToList();
    }
}
