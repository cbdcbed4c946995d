using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LicensePortal.Benchmarks.Baselines;

/// <summary>
/// The download path's reads and writes as plain Entity Framework Core: what <see cref="DownloadStatements"/> is measured
/// against (issue 11). A context from the pooled factory per read and per batch; a compiled query for the read;
/// <c>ExecuteUpdate</c> for the conditional instance update; the rows added and saved with <c>SaveChanges</c>.
/// The group commit (<see cref="DownloadRecorder"/>) is the same for both.
/// </summary>
public sealed class EfCoreDownloadStore(IDbContextFactory<AppDbContext> dbFactory) : IDownloadStore
{
    // Per instance, not static: a compiled query belongs to one model (one provider).
    // The latest revision as scalar subqueries, as in DownloadStatements: a projected row would rank every license.
    private readonly Func<AppDbContext, string, DateTime, CancellationToken, Task<DownloadState?>> _read = EF.CompileAsyncQuery(
        (AppDbContext db, string normalizedName, DateTime windowStart, CancellationToken _) => db.Instances.AsNoTracking()
            .Where(i => i.NormalizedName == normalizedName)
            .Select(i => new DownloadState(
                i,
                db.LicenseDownloads.Count(d => d.InstanceId == i.Id && d.At > windowStart && d.At >= i.StatusChangedAt && !d.ByStaff),
                db.Licenses.Where(l => l.InstanceId == i.Id).OrderByDescending(l => l.Revision).Select(l => (long?)l.Id).FirstOrDefault(),
                db.Licenses.Where(l => l.InstanceId == i.Id).OrderByDescending(l => l.Revision).Select(l => l.Revision).FirstOrDefault(),
                db.Licenses.Where(l => l.InstanceId == i.Id).OrderByDescending(l => l.Revision).Select(l => l.ContentKey).FirstOrDefault()))
            .FirstOrDefault());

    public async Task<DownloadState?> ReadAsync(string normalizedName, DateTime windowStart, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await _read(db, normalizedName, windowStart, cancellationToken);
    }

    public Task<IDownloadWriteSession> OpenWriterAsync() => Task.FromResult<IDownloadWriteSession>(new WriteSession(dbFactory));

    /// <summary>A new context and transaction for each batch, so nothing a failed batch added is left tracked.</summary>
    private sealed class WriteSession(IDbContextFactory<AppDbContext> dbFactory) : IDownloadWriteSession
    {
        private AppDbContext? _db;

        private AppDbContext Db => _db ?? throw new InvalidOperationException("BeginAsync starts a batch.");

        public async Task<IDbContextTransaction> BeginAsync()
        {
            if (_db is not null)
            {
                await _db.DisposeAsync();
                _db = null;
            }
            _db = await dbFactory.CreateDbContextAsync();
            return await _db.Database.BeginTransactionAsync();
        }

        // Runs at once, in the batch's transaction: a later write of the same instance in this batch sees it. The recorder
        // adds a write's rows only when this applied it, so a stale write's rows never reach the change tracker.
        public async Task<bool> UpdateInstanceAsync(DownloadWrite write)
        {
            var added = write.CountedDownloads;
            return await Db.Instances
                .Where(i => i.Id == write.InstanceId && i.Version == write.ReadVersion)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.Status, write.Status)
                    .SetProperty(i => i.StatusReason, write.StatusReason)
                    .SetProperty(i => i.StatusChangedAt, write.StatusChangedAt)
                    .SetProperty(i => i.DownloadCount, i => i.DownloadCount + added)
                    .SetProperty(i => i.Version, write.NewVersion)) == 1;
        }

        public Task InsertLicenseAsync(LicenseRecord license)
        {
            Db.Licenses.Add(license);
            return Task.CompletedTask;
        }

        // The download names its revision as LicenseService built it: by navigation to a new license (its id is known only
        // once saved) or by the id of the one served again; revision is implied by either.
        public Task InsertDownloadAsync(LicenseDownload download, int revision)
        {
            Db.LicenseDownloads.Add(download);
            return Task.CompletedTask;
        }

        public Task InsertAuditAsync(AuditEntry entry)
        {
            Db.AuditEntries.Add(entry);
            return Task.CompletedTask;
        }

        public Task InsertWebhookEventAsync(WebhookEvent webhookEvent)
        {
            Db.WebhookEvents.Add(webhookEvent);
            return Task.CompletedTask;
        }

        public Task FlushAsync() => Db.SaveChangesAsync();

        public void Dispose()
        {
            _db?.Dispose();
            _db = null;
        }
    }
}
