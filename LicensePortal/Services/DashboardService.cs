using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>Read-only views for the administrator dashboard and the support desk. Never writes.</summary>
public sealed class DashboardService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    /// <summary>How many instances are in each state (every state present, zero when none).</summary>
    public async Task<IReadOnlyDictionary<InstanceStatus, int>> CountByStatusAsync(PortalActor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await Visible(db, actor).GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return Enum.GetValues<InstanceStatus>().ToDictionary(s => s, s => counts.FirstOrDefault(c => c.Key == s)?.Count ?? 0);
    }

    /// <summary>Instances whose expiry falls within the next <paramref name="days"/> days, soonest first.</summary>
    public async Task<Page<InstanceRow>> ExpiringSoonAsync(PortalActor actor, int days, int limit, CancellationToken cancellationToken = default)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var until = today.AddDays(days);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var expiring = Visible(db, actor).Where(i => i.ExpiresOn >= today && i.ExpiresOn <= until);
        var total = await expiring.CountAsync(cancellationToken);
        var items = await InstanceService.Project(expiring.OrderBy(i => i.ExpiresOn).ThenBy(i => i.Id).Take(Math.Clamp(limit, 1, 200))).ToListAsync(cancellationToken);
        return new Page<InstanceRow>(items, total);
    }

    /// <summary>The most recently changed instances first, optionally of one state or name prefix.</summary>
    public async Task<Page<InstanceRow>> RecentlyChangedAsync(PortalActor actor, InstanceStatus? status, string? namePrefix, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instances = Filtered(db, actor, status, namePrefix);
        var total = await instances.CountAsync(cancellationToken);
        pageSize = Math.Clamp(pageSize, 1, 200);
        var items = await InstanceService.Project(instances.OrderByDescending(i => i.UpdatedAt).ThenByDescending(i => i.Id).Skip(Paging.Offset(page, pageSize)).Take(pageSize))
            .ToListAsync(cancellationToken);
        return new Page<InstanceRow>(items, total);
    }

    /// <summary>
    /// Instances whose host last checked in more than <paramref name="days"/> days ago (<see cref="HostCheckInRules.NotSeenFor"/>:
    /// never-seen hosts are not listed), the longest silent first: a range of the LastSeenAt index, read in its order.
    /// </summary>
    public async Task<Page<InstanceRow>> NotSeenAsync(PortalActor actor, int days, InstanceStatus? status, string? namePrefix, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instances = Filtered(db, actor, status, namePrefix).NotSeenFor(days, time.GetUtcNow().UtcDateTime);
        var total = await instances.CountAsync(cancellationToken);
        pageSize = Math.Clamp(pageSize, 1, 200);
        var items = await InstanceService.Project(instances.OrderBy(i => i.LastSeenAt).ThenBy(i => i.Id).Skip(Paging.Offset(page, pageSize)).Take(pageSize))
            .ToListAsync(cancellationToken);
        return new Page<InstanceRow>(items, total);
    }

    private static IQueryable<Instance> Filtered(AppDbContext db, PortalActor actor, InstanceStatus? status, string? namePrefix)
    {
        var instances = Visible(db, actor);
        if (status is { } s)
        {
            instances = instances.Where(i => i.Status == s);
        }
        if (!string.IsNullOrWhiteSpace(namePrefix))
        {
            var from = InstanceRules.Normalize(namePrefix);
            var to = from + '\uffff';
#pragma warning disable CA1309 // EF Core translates string.Compare to SQL comparison operators (index-friendly); ordinal overloads do not translate.
            instances = instances.Where(i => string.Compare(i.NormalizedName, from) >= 0 && string.Compare(i.NormalizedName, to) < 0);
#pragma warning restore CA1309
        }
        return instances;
    }

    private static IQueryable<Instance> Visible(AppDbContext db, PortalActor actor) => db.Instances.AsNoTracking().VisibleTo(actor);
}
