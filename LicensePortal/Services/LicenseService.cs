using System.Collections.Concurrent;
using System.Globalization;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// The seed's heart: host info in (/upload_hostinfo), a signed license file out (/download_license,
/// /static/license/&lt;NAME&gt;_LICENSE), and the five states that follow. Owners and administrators upload and
/// generate; support staff may fetch the latest file; nobody else sees anything.
/// </summary>
public sealed class LicenseService(
    IDbContextFactory<AppDbContext> dbFactory,
    DownloadRecorder recorder,
    DownloadStatements downloadStatements,
    VendorKeyStore vendorKeys,
    InstanceChangeNotifier notifier,
    IOptions<LicensingOptions> options,
    TimeProvider time,
    ILogger<LicenseService> logger)
{
    // Each round of a race on one instance lets exactly one writer through, so N simultaneous requests need up to N-1 retries.
    private const int ConcurrencyRetries = 50;

    private const int HostKeyCacheSize = 10_000;

    private readonly ConcurrentDictionary<string, HostPublicKey> _hostKeys = new(StringComparer.Ordinal);

    private LicensingOptions Options => options.Value;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private DateOnly Today => DateOnly.FromDateTime(Now);

    /// <summary>
    /// Takes a host info file for an instance. Input that is not a host info file at all (empty, over 64 KiB, binary,
    /// no host info header), and a file created more than <see cref="LicenseFile.ClockSkew"/> after the portal's clock,
    /// is refused and changes nothing. A host info file that fails its checks (edited, truncated,
    /// made for another instance) puts the instance in INFOERROR with the reason, keeping the host details on file.
    /// </summary>
    public async Task<ServiceResult<HostInfoOutcome>> UploadHostInfoAsync(PortalActor actor, string instanceName, ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default)
    {
        // Input that is not a host info file at all is refused and changes nothing; a damaged one is judged below.
        if (HostInfoFile.Screen(file.Span, Options.HostInfoMaxBytes) is { } refusal)
        {
            return ServiceResult<HostInfoOutcome>.Invalid("File", $"HostInfo.{refusal}");
        }

        HostInfo? hostInfo = null;
        string? reason = null;
        try
        {
            hostInfo = HostInfoFile.Parse(file.Span);
            if (!string.Equals(hostInfo.InstanceName, instanceName.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                reason = "HostInfo.OtherInstance";
            }
        }
        catch (HostInfoException ex)
        {
            reason = $"HostInfo.{ex.Code}";
        }
        // A file the host signed with a clock running ahead (or set ahead on purpose) is refused and changes nothing: its
        // owner fixes the clock and writes it again. The same 5 minutes a host allows a license issued "in the future".
        var clock = time.GetUtcNow();
        if (hostInfo is not null && hostInfo.CreatedAt > clock + LicenseFile.ClockSkew)
        {
            const string shown = "yyyy-MM-dd HH:mm:ss 'UTC'";
            return ServiceResult<HostInfoOutcome>.Invalid("File", "HostInfo.CreatedInFuture",
                hostInfo.CreatedAt.UtcDateTime.ToString(shown, CultureInfo.InvariantCulture), clock.UtcDateTime.ToString(shown, CultureInfo.InvariantCulture));
        }

        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var instance = await FindVisibleAsync(db, actor, instanceName, cancellationToken);
            if (instance is null)
            {
                return ServiceResult<HostInfoOutcome>.NotFound();
            }
            if (!CanChange(actor, instance))
            {
                return ServiceResult<HostInfoOutcome>.Forbidden();
            }

            var now = Now;
            var before = HostState(instance);
            if (reason is null)
            {
                instance.Mac = hostInfo!.Mac;
                instance.SerialNumber = hostInfo.SerialNumber;
                instance.CheckCode = hostInfo.CheckCode;
                instance.PublicKey = hostInfo.HostPublicKey.Export();
                instance.HostKeyFingerprint = hostInfo.HostKeyFingerprint;
                instance.HostInfoUploadedAt = now;
                InstanceLifecycle.HostInfoAccepted(InstanceState.Of(instance), now).ApplyTo(instance);
            }
            else
            {
                InstanceLifecycle.HostInfoRejected(InstanceState.Of(instance), reason, now).ApplyTo(instance);
            }
            instance.UpdatedAt = now;
            instance.Version = Guid.NewGuid();
            AuditLog.Add(db, actor, now, reason is null ? "hostinfo.upload" : "hostinfo.rejected", "instance", instance.Name, before,
                new { Accepted = reason is null, Reason = reason, Status = instance.Status.ToString(), instance.Mac, instance.SerialNumber, instance.HostKeyFingerprint });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < ConcurrencyRetries)
            {
                continue; // an edit landed between our read and write: read again and re-apply
            }
            logger.LogInformation("{Actor} uploaded host info for {Instance}: {Outcome}", actor.UserName, instance.Name, reason ?? "accepted");
            await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
            return ServiceResult<HostInfoOutcome>.Ok(new HostInfoOutcome(reason is null, instance.Status, reason, await RowAsync(db, instance.Id, cancellationToken)));
        }
    }

    /// <summary>
    /// The seed's /download_license: builds the license for the host on file (a new revision when quotas, expiry,
    /// host or vendor key changed since the last one), records the download, and returns the file.
    /// </summary>
    public Task<ServiceResult<LicenseDownloadFile>> GenerateAsync(PortalActor actor, string instanceName, string remoteAddress, CancellationToken cancellationToken = default) =>
        DownloadAsync(actor, instanceName, remoteAddress, generate: true, cancellationToken);

    /// <summary>/static/license/&lt;NAME&gt;_LICENSE: the latest license already issued; counts as a download.</summary>
    public Task<ServiceResult<LicenseDownloadFile>> LatestAsync(PortalActor actor, string instanceName, string remoteAddress, CancellationToken cancellationToken = default) =>
        DownloadAsync(actor, instanceName, remoteAddress, generate: false, cancellationToken);

    private async Task<ServiceResult<LicenseDownloadFile>> DownloadAsync(PortalActor actor, string instanceName, string remoteAddress, bool generate, CancellationToken cancellationToken)
    {
        var normalized = InstanceRules.Normalize(instanceName ?? "");
        for (var attempt = 0; ; attempt++)
        {
            var now = Now;
            var state = await downloadStatements.ReadAsync(normalized, now - Options.DownloadWindow, cancellationToken);
            var instance = state?.Instance;
            // Another customer's instance is "not found", not "forbidden": its existence is no one else's business.
            if (instance is null || !InstanceAccess.MaySee(actor, instance))
            {
                return ServiceResult<LicenseDownloadFile>.NotFound();
            }
            // Generating makes a revision: the owner's or an administrator's act. Support staff may fetch what exists.
            if (generate && !CanChange(actor, instance))
            {
                return ServiceResult<LicenseDownloadFile>.Forbidden();
            }

            // The lifecycle decides; this method carries it out. Generating compares what a new license would say with the
            // latest revision, so the current signing key is part of it.
            var vendorKey = generate ? vendorKeys.Current : null;
            var contentKey = vendorKey is null ? null : ContentKey(instance, vendorKey.KeyId);
            var before = InstanceState.Of(instance);
            var decision = InstanceLifecycle.Download(before,
                new DownloadRequest(generate, state!.RecentDownloads, state.LatestId is not null, contentKey != state.LatestContentKey), Rules, now);
            decision.State.ApplyTo(instance);
            var timeRule = decision.TimeRule == AutomaticChange.None ? null
                : AuditLog.Automatic(AuditLog.ActionFor(decision.TimeRule), now, instance.Name, before.Status, before.Reason,
                    decision.AfterTimeRule.Status, decision.AfterTimeRule.Reason, generate ? "license.generate" : "license.download", actor.UserName);
            // What this request itself changes (a refusal that starts DOWNLOADERROR) is judged after the time rules.
            var statusBefore = decision.AfterTimeRule.Status;
            var refusal = decision.Refusal;
            var retryAt = decision.RetryAt;

            LicenseRecord? issued = null;
            if (decision.Action == DownloadAction.Issue)
            {
                try
                {
                    issued = Issue(instance, vendorKey!, contentKey!, state.LatestRevision + 1, actor, now);
                }
                catch (Exception ex) when (ex is LicenseException or KeyFileException or HostInfoException or ArgumentException)
                {
                    logger.LogError(ex, "Generating a license for {Instance} failed", instance.Name);
                    var failed = InstanceLifecycle.IssueFailed(decision.State, now);
                    failed.ApplyTo(instance);
                    refusal = InstanceLifecycle.GenerationFailed;
                    retryAt = InstanceLifecycle.RetryAt(failed, Rules.CoolDown);
                }
            }
            // Served again as it was issued: the same revision (a plain download, or generating with nothing changed).
            LatestLicense? latestFile = null;
            if (refusal is null && issued is null)
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                latestFile = await LoadLatestLicense(db, state!.LatestId!.Value);
            }

            if (refusal is not null && instance.Status == statusBefore && timeRule is null)
            {
                // A refusal that changes nothing writes nothing. A time rule's change stands even when the request is refused.
                logger.LogInformation("{Actor} was refused a license for {Instance}: {Reason}", actor.UserName, instance.Name, refusal);
                return Refused(refusal, retryAt);
            }

            var served = issued is not null ? new LatestLicense(issued.FileText, issued.VendorKeyId, issued.HostKeyFingerprint) : latestFile;
            var revision = issued?.Revision ?? state!.LatestRevision;
            List<AuditEntry> audit = timeRule is null ? [] : [timeRule];
            LicenseDownload? download = null;
            if (refusal is null)
            {
                audit.Add(AuditLog.Create(actor, now, issued is not null ? "license.generate" : "license.download", "instance", instance.Name, null, new
                {
                    Revision = revision,
                    New = issued is not null,
                    served!.VendorKeyId,
                    served.HostKeyFingerprint,
                    Address = remoteAddress,
                }));
                download = new LicenseDownload
                {
                    InstanceId = instance.Id,
                    UserName = actor.UserName,
                    At = now,
                    RemoteAddress = Truncate(remoteAddress, 64),
                };
                if (issued is not null)
                {
                    download.LicenseRecord = issued;
                }
                else
                {
                    download.LicenseRecordId = state!.LatestId!.Value;
                }
            }
            else if (instance.Status != statusBefore)
            {
                audit.Add(AuditLog.Create(actor, now, "license.refused", "instance", instance.Name, new { Status = statusBefore.ToString() },
                    new { Status = instance.Status.ToString(), Reason = refusal, Address = remoteAddress }));
            }

            // The version check serializes downloads of one instance: the loser of a race reads again and retries.
            bool written;
            try
            {
                written = await recorder.WriteAsync(new DownloadWrite(instance.Id, instance.Version, Guid.NewGuid(), instance.Status, instance.StatusReason,
                    instance.StatusChangedAt, revision, issued, download, audit));
            }
            catch (DbUpdateException) when (attempt < ConcurrencyRetries)
            {
                continue;
            }
            if (!written)
            {
                if (attempt < ConcurrencyRetries)
                {
                    continue;
                }
                throw new DbUpdateConcurrencyException($"Instance {instance.Name} kept changing while a license was being downloaded.");
            }
            await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));

            if (refusal is not null)
            {
                logger.LogInformation("{Actor} was refused a license for {Instance}: {Reason}", actor.UserName, instance.Name, refusal);
                return Refused(refusal, retryAt);
            }
            logger.LogInformation("{Actor} downloaded license revision {Revision} of {Instance}", actor.UserName, revision, instance.Name);
            return ServiceResult<LicenseDownloadFile>.Ok(new LicenseDownloadFile(FileName(instance.Name), served!.FileText, revision, issued is not null));
        }
    }

    /// <summary>A refusal; with a retry time (DOWNLOADERROR) the message names it and the answer carries it as Retry-After.</summary>
    private static ServiceResult<LicenseDownloadFile> Refused(string refusal, DateTime? retryAt) =>
        retryAt is { } at
            ? new ServiceResult<LicenseDownloadFile>(null, Failure.Invalid, [new FieldError("", refusal, at.ToString("HH:mm:ss", CultureInfo.InvariantCulture))]) { RetryAt = at }
            : ServiceResult<LicenseDownloadFile>.Invalid("", refusal);

    private DownloadRules Rules => new(Options.DownloadLimit, Options.DownloadCoolDown);

    private sealed record LatestLicense(string FileText, string VendorKeyId, string HostKeyFingerprint);

    // Compiled once per service (a compiled query belongs to one model, i.e. one database provider).
    private readonly Func<AppDbContext, long, Task<LatestLicense>> LoadLatestLicense = EF.CompileAsyncQuery(
        (AppDbContext db, long licenseId) => db.Licenses.Where(l => l.Id == licenseId)
            .Select(l => new LatestLicense(l.FileText, l.VendorKeyId, l.HostKeyFingerprint)).First());

    /// <summary>An administrator ends DOWNLOADERROR before its cool-down.</summary>
    public async Task<ServiceResult<InstanceRow>> ResetDownloadErrorAsync(PortalActor actor, string instanceName, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<InstanceRow>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instance = await FindVisibleAsync(db, actor, instanceName, cancellationToken);
        if (instance is null)
        {
            return ServiceResult<InstanceRow>.NotFound();
        }
        var (reset, refusal) = InstanceLifecycle.ResetDownloadError(InstanceState.Of(instance), Now);
        if (refusal is not null)
        {
            return ServiceResult<InstanceRow>.Invalid("", refusal);
        }
        var before = new { Status = instance.Status.ToString(), instance.StatusReason };
        reset.ApplyTo(instance);
        instance.Version = Guid.NewGuid();
        AuditLog.Add(db, actor, Now, "instance.reset-download-error", "instance", instance.Name, before, new { Status = instance.Status.ToString(), instance.StatusReason });
        await db.SaveChangesAsync(cancellationToken);
        await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
        return ServiceResult<InstanceRow>.Ok(await RowAsync(db, instance.Id, cancellationToken));
    }

    public async Task<HostDetails?> GetHostDetailsAsync(PortalActor actor, string instanceName, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instance = await FindVisibleAsync(db, actor, instanceName, cancellationToken, track: false);
        return instance is null ? null : new HostDetails(instance.Mac, instance.SerialNumber, instance.HostKeyFingerprint, instance.CheckCode, instance.HostInfoUploadedAt);
    }

    /// <summary>Every revision, newest first, with who downloaded it, when and from where.</summary>
    public async Task<IReadOnlyList<LicenseHistoryEntry>?> GetHistoryAsync(PortalActor actor, string instanceName, int limit = 50, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instance = await FindVisibleAsync(db, actor, instanceName, cancellationToken, track: false);
        if (instance is null)
        {
            return null;
        }
        var records = await db.Licenses.AsNoTracking().Where(l => l.InstanceId == instance.Id).OrderByDescending(l => l.Revision).Take(Math.Clamp(limit, 1, 500))
            .Select(l => new LicenseHistoryEntry(l.Revision, l.IssuedAt, l.VendorKeyId, l.HostKeyFingerprint, l.IssuedByUserName,
                l.Downloads.OrderByDescending(d => d.At).Take(100).Select(d => new LicenseDownloadEntry(d.UserName, d.At, d.RemoteAddress)).ToList()))
            .ToListAsync(cancellationToken);
        return records;
    }

    /// <summary>The seed's file name for an instance's license.</summary>
    public static string FileName(string instanceName) => instanceName + "_LICENSE";

    private static object HostState(Instance instance) => new
    {
        Status = instance.Status.ToString(),
        instance.StatusReason,
        instance.Mac,
        instance.SerialNumber,
        instance.HostKeyFingerprint,
    };

    private LicenseRecord Issue(Instance instance, CertifiedSigningKey vendorKey, string contentKey, int revision, PortalActor actor, DateTime now)
    {
        var host = HostKey(instance.PublicKey);
        var issuedAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var content = new LicenseContent
        {
            MaxDesktops = instance.MaxDesktops,
            MaxImages = instance.MaxImages,
            MaxUsers = instance.MaxUsers,
            MaxVcpus = instance.MaxVcpus,
            MaxVmemGib = instance.MaxVmemGib,
            MaxVdiskGib = instance.MaxVdiskGib,
            ExpiresOn = instance.ExpiresOn,
            Mac = instance.Mac,
            SerialNumber = instance.SerialNumber,
            IssuedAt = issuedAt,
            Revision = revision,
            InstanceName = instance.Name,
        };
        return new LicenseRecord
        {
            InstanceId = instance.Id,
            Revision = revision,
            IssuedAt = issuedAt.UtcDateTime,
            VendorKeyId = vendorKey.KeyId,
            HostKeyFingerprint = host.Fingerprint,
            ContentKey = contentKey,
            FileText = LicenseFile.Issue(content, vendorKey, host),
            IssuedByUserName = actor.UserName,
        };
    }

    /// <summary>
    /// The host's parsed public key. Parsing checks both points (about a sixth of the cost of issuing a license), and the same
    /// stored key is parsed again at every revision, so parsed keys are kept; the set is bounded and starts over when full.
    /// </summary>
    private HostPublicKey HostKey(string stored)
    {
        if (_hostKeys.TryGetValue(stored, out var known))
        {
            return known;
        }
        var parsed = HostPublicKey.Import(stored);
        if (_hostKeys.Count >= HostKeyCacheSize)
        {
            _hostKeys.Clear();
        }
        _hostKeys[stored] = parsed;
        return parsed;
    }

    private static string ContentKey(Instance i, string vendorKeyId) => string.Join('|',
        i.MaxDesktops, i.MaxImages, i.MaxUsers, i.MaxVcpus, i.MaxVmemGib, i.MaxVdiskGib,
        i.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), i.Mac, i.SerialNumber, i.HostKeyFingerprint, vendorKeyId);

    private static bool CanChange(PortalActor actor, Instance instance) => InstanceAccess.MayChange(actor, instance.OwnerId);

    private static async Task<Instance?> FindVisibleAsync(AppDbContext db, PortalActor actor, string name, CancellationToken cancellationToken, bool track = true)
    {
        var normalized = InstanceRules.Normalize(name ?? "");
        var query = track ? db.Instances : db.Instances.AsNoTracking();
        // Another customer's instance is "not found", not "forbidden": its existence is no one else's business.
        return await query.VisibleTo(actor).FirstOrDefaultAsync(i => i.NormalizedName == normalized, cancellationToken);
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    private static Task<InstanceRow> RowAsync(AppDbContext db, int id, CancellationToken cancellationToken) =>
        InstanceService.Project(db.Instances.AsNoTracking().Where(i => i.Id == id)).FirstAsync(cancellationToken);
}
