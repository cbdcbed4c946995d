using LicensePortal.Data;
using Microsoft.EntityFrameworkCore.Storage;

namespace LicensePortal.Services;

/// <summary>
/// The download path's reads and writes. The portal uses <see cref="DownloadStatements"/>; the seam exists so the
/// benchmark can measure it against a plain Entity Framework Core version (docs/performance.md, issue 11).
/// </summary>
public interface IDownloadStore
{
    /// <summary>
    /// The instance (not tracked), its downloads since <paramref name="windowStart"/> (and since it last changed state), and
    /// its latest revision's id, number and content key; null when no instance has that name.
    /// </summary>
    Task<DownloadState?> ReadAsync(string normalizedName, DateTime windowStart, CancellationToken cancellationToken);

    /// <summary>Opens the group-commit writer's session. One writer uses it at a time.</summary>
    Task<IDownloadWriteSession> OpenWriterAsync();
}

/// <summary>
/// One batch at a time: <see cref="BeginAsync"/>, then for each write <see cref="UpdateInstanceAsync"/> and, only if it
/// was applied, that write's inserts; then <see cref="FlushAsync"/> and the transaction's commit.
/// </summary>
public interface IDownloadWriteSession : IDisposable
{
    /// <summary>Starts the batch's transaction; everything up to its commit runs in it.</summary>
    Task<IDbContextTransaction> BeginAsync();

    /// <summary>Applies the write's instance state if the instance still has the version it was read at.</summary>
    Task<bool> UpdateInstanceAsync(DownloadWrite write);

    Task InsertLicenseAsync(LicenseRecord license);

    /// <summary>The download of <paramref name="revision"/> of the download's instance (a new one may have no id yet).</summary>
    Task InsertDownloadAsync(LicenseDownload download, int revision);

    Task InsertAuditAsync(AuditEntry entry);

    /// <summary>A webhook event in the outbox (<c>Webhooks/WebhookEvents</c>), committed with the change it reports.</summary>
    Task InsertWebhookEventAsync(WebhookEvent webhookEvent);

    /// <summary>Writes whatever the inserts left pending, before the commit (a store that writes at once has nothing to do).</summary>
    Task FlushAsync();
}

/// <summary>What a download needs, read in one statement.</summary>
public sealed record DownloadState(Instance Instance, int RecentDownloads, long? LatestId, int LatestRevision, string? LatestContentKey);
