using System.Collections.Concurrent;
using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>
/// What one download attempt writes: the instance's new state (applied only if the instance still has the version the
/// attempt read), and the revision, download (which adds one to the instance's download count unless vendor staff made
/// it) and audit entries that go with it.
/// </summary>
public sealed record DownloadWrite(
    int InstanceId,
    Guid ReadVersion,
    Guid NewVersion,
    InstanceStatus Status,
    string StatusReason,
    DateTime StatusChangedAt,
    int Revision,
    LicenseRecord? NewLicense,
    LicenseDownload? Download,
    IReadOnlyList<AuditEntry> Audit,
    IReadOnlyList<WebhookEvent>? Webhooks = null)
{
    /// <summary>What the write adds to the instance's download count: one for a customer's download, none for vendor staff's.</summary>
    public int CountedDownloads => Download is { ByStaff: false } ? 1 : 0;
}

/// <summary>
/// Writes license downloads in batches (group commit). Whoever finds the writer free writes everything queued so far in
/// one transaction, so a burst of downloads shares one commit instead of queueing for the database's write lock one by
/// one (SQLite takes one writer at a time). Each write is applied only if its instance is unchanged since it was read;
/// one stale write does not hold back the others in its batch.
/// </summary>
public sealed class DownloadRecorder(IDownloadStore store, ILogger<DownloadRecorder> logger) : IDisposable
{
    private const int MaxBatch = 128;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>The writer's session, kept between batches; only the holder of <see cref="_writer"/> touches it.</summary>
    private IDownloadWriteSession? _session;

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
        for (var attempt = 0; ; attempt++)
        {
            var committing = false;
            try
            {
                _session ??= await store.OpenWriterAsync();
                await using var transaction = await _session.BeginAsync();
                for (var i = 0; i < batch.Count; i++)
                {
                    var w = batch[i].Write;
                    applied[i] = await _session.UpdateInstanceAsync(w);
                    if (!applied[i])
                    {
                        continue;
                    }
                    if (w.NewLicense is { } license)
                    {
                        await _session.InsertLicenseAsync(license);
                    }
                    if (w.Download is { } download)
                    {
                        await _session.InsertDownloadAsync(download, w.Revision);
                    }
                    foreach (var entry in w.Audit)
                    {
                        await _session.InsertAuditAsync(entry);
                    }
                    foreach (var webhook in w.Webhooks ?? [])
                    {
                        await _session.InsertWebhookEventAsync(webhook);
                    }
                }
                await _session.FlushAsync();
                committing = true;
                await transaction.CommitAsync();
                break;
            }
            catch (Exception ex) when (attempt == 0 && !committing && DatabaseFailures.IsConnectionLost(ex))
            {
                // The kept connection died with the server (a restart) before the commit: nothing of the batch is
                // written, so it is written once more on a new connection. A failed commit is not retried: it may have
                // committed.
                logger.LogInformation(ex, "The download writer's connection was lost; writing the batch of {Count} again on a new one", batch.Count);
                _session?.Dispose();
                _session = null;
                DatabaseFailures.ForgetPooledConnections();
                Array.Clear(applied);
            }
            catch (Exception ex)
            {
                // Nothing of the batch is committed; every caller hears of it and decides (retry or report).
                logger.LogWarning(ex, "Writing a batch of {Count} download(s) failed", batch.Count);
                // The connection may be what broke: the next batch opens a new one.
                _session?.Dispose();
                _session = null;
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
                return;
            }
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(applied[i]);
        }
    }

    public void Dispose()
    {
        _session?.Dispose();
        _writer.Dispose();
    }

    private sealed class Pending(DownloadWrite write)
    {
        public DownloadWrite Write { get; } = write;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
