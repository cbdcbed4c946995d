using LicensePortal.Data;
using LicensePortal.Notifications;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// Records host check-ins (<see cref="HostCheckInRules"/>): the three LastSeen columns of one instance and nothing else.
/// They are written with an UPDATE of just those columns, outside the instance's <see cref="Instance.Version"/>: a
/// check-in is not an edit, so an administrator's form, a grid save or a download that read the instance before it still
/// saves (their version still matches), and their saves never touch these columns (EF Core updates changed columns only).
/// <see cref="Instance.UpdatedAt"/> stays too: "recently changed" lists are not reordered by hosts calling in.
/// Only a check-in that reports another revision or agent version than the last one is audited (a host renewing every
/// hour would otherwise flood the trail); that entry says when the host really installed a revision or upgraded.
/// </summary>
public sealed class HostCheckInService(
    IDbContextFactory<AppDbContext> dbFactory,
    InstanceChangeNotifier notifier,
    TimeProvider time,
    ILogger<HostCheckInService> logger)
{
    /// <summary>The audit action of a check-in that reports a new revision or agent version.</summary>
    public const string AuditAction = "instance.check-in";

    // Each round of a race between check-ins of one instance lets one through; a host checks in once per command.
    private const int Attempts = 5;

    private sealed record Seen(int Id, string Name, string OwnerId, DateTime? LastSeenAt, int? Revision, string AgentVersion);

    /// <summary>
    /// Records a check-in of <paramref name="instanceName"/> by its owner, an administrator or its activation token (who
    /// may change it), at the portal's time, and announces it to open pages. False (nothing written) when the instance is
    /// not visible to the actor or the actor may not change it.
    /// </summary>
    public async Task<bool> RecordAsync(PortalActor actor, string instanceName, HostCheckInReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!HostCheckInRules.IsValid(report))
        {
            throw new ArgumentException("A check-in report must pass HostCheckInRules.", nameof(report));
        }
        var normalized = InstanceRules.Normalize(instanceName ?? "");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var seen = await db.Instances.AsNoTracking().VisibleTo(actor).Where(i => i.NormalizedName == normalized)
                .Select(i => new Seen(i.Id, i.Name, i.OwnerId, i.LastSeenAt, i.LastSeenRevision, i.LastSeenAgentVersion))
                .FirstOrDefaultAsync(cancellationToken);
            if (seen is null || !InstanceAccess.MayChange(actor, seen.OwnerId))
            {
                return false;
            }
            var now = time.GetUtcNow().UtcDateTime;
            if (await WriteAsync(db, actor, seen, report, now, audit: attempt < Attempts, cancellationToken))
            {
                logger.LogDebug("{Instance} checked in: revision {Revision}, agent {AgentVersion}", seen.Name, report.InstalledRevision, report.AgentVersion);
                await notifier.PublishAsync(new InstanceChange(seen.Id, seen.OwnerId, InstanceChangeKind.Updated));
                return true;
            }
        }
    }

    /// <summary>
    /// Writes the check-in if the instance still reports what <paramref name="seen"/> read (else false: read again). A new
    /// revision or version is written with its audit entry in one transaction. The last attempt writes unconditionally,
    /// unaudited, so a flood of conflicting reports cannot keep a check-in from being recorded.
    /// </summary>
    private static async Task<bool> WriteAsync(AppDbContext db, PortalActor actor, Seen seen, HostCheckInReport report, DateTime now, bool audit, CancellationToken cancellationToken)
    {
        var instances = db.Instances.Where(i => i.Id == seen.Id);
        if (audit)
        {
            instances = instances.Where(i => i.LastSeenRevision == seen.Revision && i.LastSeenAgentVersion == seen.AgentVersion);
        }
        var changed = seen.Revision != report.InstalledRevision || !string.Equals(seen.AgentVersion, report.AgentVersion, StringComparison.Ordinal);
        if (!audit || !changed)
        {
            return await SetAsync(instances, report, now, cancellationToken) == 1;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await SetAsync(instances, report, now, cancellationToken) != 1)
        {
            return false; // another check-in came first: the transaction rolls back when disposed
        }
        AuditLog.Add(db, actor, now, AuditAction, "instance", seen.Name,
            seen.LastSeenAt is null ? null : new { seen.Revision, seen.AgentVersion },
            new { Revision = report.InstalledRevision, report.AgentVersion });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static Task<int> SetAsync(IQueryable<Instance> instances, HostCheckInReport report, DateTime now, CancellationToken cancellationToken) =>
        instances.ExecuteUpdateAsync(s => s
            .SetProperty(i => i.LastSeenAt, now)
            .SetProperty(i => i.LastSeenRevision, report.InstalledRevision)
            .SetProperty(i => i.LastSeenAgentVersion, report.AgentVersion), cancellationToken);

    /// <summary>The instance's last check-in, for its page; null when the actor may not see it.</summary>
    public async Task<HostCheckIn?> GetAsync(PortalActor actor, string instanceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var normalized = InstanceRules.Normalize(instanceName ?? "");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Instances.AsNoTracking().VisibleTo(actor).Where(i => i.NormalizedName == normalized)
            .Select(i => new HostCheckIn(i.Id, i.OwnerId, i.LastSeenAt, i.LastSeenRevision, i.LastSeenAgentVersion))
            .FirstOrDefaultAsync(cancellationToken);
    }
}
