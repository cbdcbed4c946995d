using System.Collections.Concurrent;
using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// What one download attempt writes: the instance's new state (applied only if the instance still has the version the
/// attempt read), and the revision, download and audit entries that go with it.
/// </summary>
public sealed record DownloadWrite(
    int InstanceId,
    Guid ReadVersion,
    Guid NewVersion,
    InstanceStatus Status,
    string StatusReason,
    DateTime StatusChangedAt,
    int AddedDownloads,
    int Revision,
    LicenseRecord? NewLicense,
    LicenseDownload? Download,
    IReadOnlyList<AuditEntry> Audit);

/// <summary>
/// Writes license downloads in batches (group commit). Whoever finds the writer free writes everything queued so far in
/// one transaction, so a burst of downloads shares one commit instead of queueing for the database's write lock one by
/// one (SQLite takes one writer at a time). Each write is applied only if its instance is unchanged since it was read;
/// one stale write does not hold back the others in its batch.
/// </summary>
public sealed class DownloadRecorder(IDbContextFactory<AppDbContext> dbFactory, ILogger<DownloadRecorder> logger) : IDisposable
{
    private const int MaxBatch = 128;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>
    /// Writes <paramref name="write"/> together with whatever else is queued. True when it was applied; false when its
    /// instance changed since it was read (read again and retry). Not cancellable: once queued, a write is either
    /// committed or refused as a whole, never left half-done.
    /// </summary>
    public async Task<bool> WriteAsync(DownloadWrite write)
    {
        var pending = new Pending(write);
        _queue.Enqueue(pending);
        await _writer.WaitAsync(CancellationToken.None);
        try
        {
            while (!pending.Done.Task.IsCompleted)
            {
                await WriteBatchAsync();
            }
        }
        finally
        {
            _writer.Release();
        }
        return await pending.Done.Task;
    }

    private async Task WriteBatchAsync()
    {
        var batch = new List<Pending>(Math.Min(_queue.Count, MaxBatch));
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
        {
            batch.Add(next);
        }
        if (batch.Count == 0)
        {
            return;
        }

        var applied = new bool[batch.Count];
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await using var transaction = await db.Database.BeginTransactionAsync();
            // Plain statements rather than tracked entities: change tracking cost more than the writes themselves here.
            // EF Core still binds each value with the provider's own mapping (Guid, DateTime and the enum as stored).
            for (var i = 0; i < batch.Count; i++)
            {
                var w = batch[i].Write;
                var status = w.Status.ToString();
                applied[i] = await db.Database.ExecuteSqlAsync($"""
                    UPDATE "Instances" SET "Status" = {status}, "StatusReason" = {w.StatusReason}, "StatusChangedAt" = {w.StatusChangedAt},
                        "DownloadCount" = "DownloadCount" + {w.AddedDownloads}, "Version" = {w.NewVersion}
                    WHERE "Id" = {w.InstanceId} AND "Version" = {w.ReadVersion}
                    """) == 1;
                if (!applied[i])
                {
                    continue;
                }
                if (w.NewLicense is { } l)
                {
                    await db.Database.ExecuteSqlAsync($"""
                        INSERT INTO "Licenses" ("InstanceId", "Revision", "IssuedAt", "VendorKeyId", "HostKeyFingerprint", "ContentKey", "FileText", "IssuedByUserName")
                        VALUES ({l.InstanceId}, {l.Revision}, {l.IssuedAt}, {l.VendorKeyId}, {l.HostKeyFingerprint}, {l.ContentKey}, {l.FileText}, {l.IssuedByUserName})
                        """);
                }
                if (w.Download is { } d)
                {
                    // The revision is named by its unique (instance, revision) rather than its id, which a new one gets only now.
                    await db.Database.ExecuteSqlAsync($"""
                        INSERT INTO "LicenseDownloads" ("LicenseRecordId", "InstanceId", "UserName", "At", "RemoteAddress")
                        VALUES ((SELECT "Id" FROM "Licenses" WHERE "InstanceId" = {w.InstanceId} AND "Revision" = {w.Revision}), {d.InstanceId}, {d.UserName}, {d.At}, {d.RemoteAddress})
                        """);
                }
                foreach (var a in w.Audit)
                {
                    await db.Database.ExecuteSqlAsync($"""
                        INSERT INTO "AuditEntries" ("At", "ActorUserId", "ActorUserName", "RemoteAddress", "Action", "TargetType", "TargetKey", "Before", "After")
                        VALUES ({a.At}, {a.ActorUserId}, {a.ActorUserName}, {a.RemoteAddress}, {a.Action}, {a.TargetType}, {a.TargetKey}, {a.Before}, {a.After})
                        """);
                }
            }
            await transaction.CommitAsync();
        }
        catch (Exception ex)
        {
            // Nothing of the batch is committed; every caller hears of it and decides (retry or report).
            logger.LogWarning(ex, "Writing a batch of {Count} download(s) failed", batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(applied[i]);
        }
    }

    public void Dispose() => _writer.Dispose();

    private sealed class Pending(DownloadWrite write)
    {
        public DownloadWrite Write { get; } = write;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
