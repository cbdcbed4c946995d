using System.Data;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// The background half of the state rules, so that listing pages never write: instances whose expiry date has passed
/// become EXPIRED, and DOWNLOADERROR ends after its cool-down. Each batch is one transaction that locks the rows it will
/// change, changes them and appends one audit entry per row (by <see cref="PortalActor.System"/>, before and after), so
/// an entry exists exactly for each change that committed. Several portal nodes sweeping at once neither double a
/// change (or its entry) nor miss one: on PostgreSQL each node locks its batch with FOR UPDATE SKIP LOCKED and leaves
/// rows another node holds; on SQLite the transaction takes the database's write lock before it reads.
/// </summary>
public sealed class InstanceStatusSweeper(
    IDbContextFactory<AppDbContext> dbFactory,
    InstanceChangeNotifier notifier,
    IOptions<LicensingOptions> options,
    TimeProvider time,
    ILogger<InstanceStatusSweeper> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The instance status sweep failed; it runs again in {Interval}", options.Value.SweepInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass; returns how many instances this call changed (each has its audit entry).</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var coolDownEnded = now - options.Value.DownloadCoolDown;
        var changed = 0;

        // Expiry first: an instance in DOWNLOADERROR past its expiry date becomes EXPIRED, not TODOWNLOAD.
        var expired = InstanceStatus.EXPIRED.ToString();
        while (await SweepBatchAsync(
            AuditLog.InstanceExpire, InstanceStatus.EXPIRED, now,
            $"""SELECT "Id", "Name", "OwnerId", "Status", "StatusReason" FROM "Instances" WHERE "ExpiresOn" < {today} AND "Status" <> {expired}""",
            i => i.ExpiresOn < today && i.Status != InstanceStatus.EXPIRED,
            cancellationToken) is > 0 and var count)
        {
            changed += count;
        }

        var downloadError = InstanceStatus.DOWNLOADERROR.ToString();
        while (await SweepBatchAsync(
            AuditLog.InstanceCoolDownEnd, InstanceStatus.TODOWNLOAD, now,
            $"""SELECT "Id", "Name", "OwnerId", "Status", "StatusReason" FROM "Instances" WHERE "Status" = {downloadError} AND "StatusChangedAt" <= {coolDownEnded}""",
            i => i.Status == InstanceStatus.DOWNLOADERROR && i.StatusChangedAt <= coolDownEnded,
            cancellationToken) is > 0 and var count)
        {
            changed += count;
        }

        if (changed > 0)
        {
            logger.LogInformation("Status sweep changed {Count} instance(s)", changed);
        }
        return changed;
    }

    /// <summary>
    /// Changes up to <see cref="BatchSize"/> instances matching the rule to <paramref name="target"/> with their audit
    /// entries, in one transaction; returns how many (0 when none are left that this node may take).
    /// <paramref name="select"/> and <paramref name="condition"/> are the same rule, in SQL for the locking read and in
    /// LINQ for the update that re-checks it.
    /// </summary>
    private async Task<int> SweepBatchAsync(string action, InstanceStatus target, DateTime now, FormattableString select,
        Expression<Func<Instance, bool>> condition, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        // Microsoft.Data.Sqlite opens a Serializable transaction with BEGIN IMMEDIATE: it holds the write lock from the
        // start, so no other writer (another node's sweep, a download) can change a row between the read and the update.
        // PostgreSQL keeps READ COMMITTED; the row locks below do that job, and other rows stay free.
        await using var transaction = await db.Database.BeginTransactionAsync(postgres ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable, cancellationToken);

        // The rule's SELECT, oldest id first, one batch, locked on PostgreSQL (values stay parameters).
        var sql = FormattableStringFactory.Create(
            select.Format + " ORDER BY \"Id\" LIMIT {" + select.ArgumentCount + "}" + (postgres ? " FOR UPDATE SKIP LOCKED" : ""),
            [.. select.GetArguments(), BatchSize]);
        var rows = await db.Database.SqlQuery<SweepRow>(sql).ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return 0;
        }

        var ids = rows.Select(r => r.Id).ToList();
        var version = Guid.NewGuid();
        var updated = await db.Instances.Where(i => ids.Contains(i.Id)).Where(condition)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, target).SetProperty(i => i.StatusReason, "")
                .SetProperty(i => i.StatusChangedAt, now).SetProperty(i => i.Version, version), cancellationToken);
        if (updated != rows.Count)
        {
            // Cannot happen while the rows are locked; if it did, the entries would not match the changes: write neither.
            throw new InvalidOperationException($"The status sweep locked {rows.Count} instance(s) but changed {updated}.");
        }
        foreach (var row in rows)
        {
            db.AuditEntries.Add(AuditLog.Automatic(action, now, row.Name, Enum.Parse<InstanceStatus>(row.Status), row.StatusReason, target, "", "sweep"));
            db.WebhookEvents.Add(Webhooks.WebhookEvents.StateChanged(row.Id, row.Name, row.Status, target, "", now));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await notifier.PublishAsync(rows.Select(r => new InstanceChange(r.Id, r.OwnerId, InstanceChangeKind.Updated)));
        return rows.Count;
    }

    /// <summary>An instance the sweep is about to change, with its state before.</summary>
    private sealed class SweepRow
    {
        public int Id { get; set; }

        public string Name { get; set; } = "";

        public string OwnerId { get; set; } = "";

        public string Status { get; set; } = "";

        public string StatusReason { get; set; } = "";
    }
}
