using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// The background half of the state rules, so that listing pages never write: instances whose expiry date has passed
/// become EXPIRED, and DOWNLOADERROR ends after its cool-down. Each change is a conditional update (the WHERE clause
/// re-checks the state), so several portal nodes sweeping at once neither double a change nor miss one.
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

    /// <summary>One pass; returns how many instances changed state.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var coolDownEnded = now - options.Value.DownloadCoolDown;
        var changed = 0;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        while (true)
        {
            var expiring = await db.Instances.Where(i => i.ExpiresOn < today && i.Status != InstanceStatus.EXPIRED)
                .OrderBy(i => i.Id).Select(i => new { i.Id, i.OwnerId }).Take(BatchSize).ToListAsync(cancellationToken);
            if (expiring.Count == 0)
            {
                break;
            }
            var ids = expiring.Select(i => i.Id).ToList();
            changed += await db.Instances.Where(i => ids.Contains(i.Id) && i.ExpiresOn < today && i.Status != InstanceStatus.EXPIRED)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.EXPIRED).SetProperty(i => i.StatusReason, "")
                    .SetProperty(i => i.StatusChangedAt, now).SetProperty(i => i.Version, Guid.NewGuid()), cancellationToken);
            await notifier.PublishAsync(expiring.Select(i => new InstanceChange(i.Id, i.OwnerId, InstanceChangeKind.Updated)));
        }

        while (true)
        {
            var recovering = await db.Instances.Where(i => i.Status == InstanceStatus.DOWNLOADERROR && i.StatusChangedAt <= coolDownEnded)
                .OrderBy(i => i.Id).Select(i => new { i.Id, i.OwnerId }).Take(BatchSize).ToListAsync(cancellationToken);
            if (recovering.Count == 0)
            {
                break;
            }
            var ids = recovering.Select(i => i.Id).ToList();
            changed += await db.Instances.Where(i => ids.Contains(i.Id) && i.Status == InstanceStatus.DOWNLOADERROR && i.StatusChangedAt <= coolDownEnded)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InstanceStatus.TODOWNLOAD).SetProperty(i => i.StatusReason, "")
                    .SetProperty(i => i.StatusChangedAt, now).SetProperty(i => i.Version, Guid.NewGuid()), cancellationToken);
            await notifier.PublishAsync(recovering.Select(i => new InstanceChange(i.Id, i.OwnerId, InstanceChangeKind.Updated)));
        }

        if (changed > 0)
        {
            logger.LogInformation("Status sweep changed {Count} instance(s)", changed);
        }
        return changed;
    }
}
