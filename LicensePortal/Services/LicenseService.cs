using System.Globalization;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Observability;
using LicensePortal.Options;
using LicensePortal.Services.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// License downloads: a signed license file out (/download_license, /static/license/&lt;NAME&gt;_LICENSE, the API) with the
/// state changes <see cref="InstanceLifecycle"/> decides, the download limit, and each revision's history. Owners and
/// administrators generate; support staff may fetch the latest file; nobody else sees anything. Host info comes in
/// through <see cref="HostInfoIntake"/>; files are made by <see cref="LicenseIssuer"/>.
/// </summary>
public sealed class LicenseService(
    IDbContextFactory<AppDbContext> dbFactory,
    DownloadRecorder recorder,
    IDownloadStore downloadStore,
    VendorKeyStore vendorKeys,
    LicenseIssuer issuer,
    InstanceChangeNotifier notifier,
    IOptions<LicensingOptions> options,
    TimeProvider time,
    PortalMetrics metrics,
    ILogger<LicenseService> logger)
{

    private LicensingOptions Options => options.Value;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private DateOnly Today => DateOnly.FromDateTime(Now);

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
            var state = await downloadStore.ReadAsync(normalized, now - Options.DownloadWindow, cancellationToken);
            var instance = state?.Instance;
            // Another customer's instance is "not found", not "forbidden": its existence is no one else's business.
            if (state is null || instance is null || !InstanceAccess.MaySee(actor, instance))
            {
                return ServiceResult<LicenseDownloadFile>.NotFound();
            }
            // Generating makes a revision: the owner's or an administrator's act. Support staff may fetch what exists.
            if (generate && !CanChange(actor, instance))
            {
                return ServiceResult<LicenseDownloadFile>.Forbidden();
            }

            var outcome = Decide(actor, instance, state, generate, now);
            if (outcome.Refusal is not null && instance.Status == outcome.StatusBefore && outcome.TimeRule is null)
            {
                // A refusal that changes nothing writes nothing. A time rule's change stands even when the request is refused.
                logger.LogInformation("{Actor} was refused a license for {Instance}: {Reason}", actor.UserName, instance.Name, outcome.Refusal);
                return Refused(outcome.Refusal, outcome.RetryAt);
            }
            // Served again as it was issued: the same revision (a plain download, or generating with nothing changed).
            var served = outcome.Issued is { } issued ? new LatestLicense(issued.FileText, issued.VendorKeyId, issued.HostKeyFingerprint)
                : outcome.Refusal is null ? await LoadLatestAsync(state.LatestId!.Value, cancellationToken)
                : null;
            // The version check serializes downloads of one instance: the loser of a race reads again and retries.
            bool written;
            try
            {
                written = await recorder.WriteAsync(Record(actor, instance, state, outcome, served, remoteAddress, now));
            }
            catch (DbUpdateException) when (attempt < InstanceWrites.ConcurrencyRetries)
            {
                continue;
            }
            if (!written)
            {
                if (attempt < InstanceWrites.ConcurrencyRetries)
                {
                    continue;
                }
                throw new DbUpdateConcurrencyException($"Instance {instance.Name} kept changing while a license was being downloaded.");
            }
            if (outcome.Issued is not null)
            {
                metrics.LicenseIssued();
            }
            if (outcome.Refusal is null && served is not null)
            {
                metrics.LicenseServed();
            }
            await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
            return Answer(actor, instance, state, outcome, served);
        }
    }

    /// <summary>What one request does: the lifecycle's decision applied to the instance, and the new revision when it says to issue.</summary>
    /// <remarks><paramref name="Counts"/>: a served file is one of the customer's downloads (false for vendor staff).</remarks>
    private sealed record DownloadOutcome(InstanceStatus Original, InstanceStatus StatusBefore, AuditEntry? TimeRule, LicenseRecord? Issued, string? Refusal, DateTime? RetryAt, bool Counts);

    /// <summary>
    /// The lifecycle decides; this carries it out on the tracked instance. Generating compares what a new license would say
    /// with the latest revision, so the current signing key is part of it. A license that cannot be made is DOWNLOADERROR.
    /// </summary>
    private DownloadOutcome Decide(PortalActor actor, Instance instance, DownloadState state, bool generate, DateTime now)
    {
        var vendorKey = generate ? vendorKeys.Current : null;
        var contentKey = vendorKey is null ? null : LicenseIssuer.ContentKey(instance, vendorKey.KeyId);
        var before = InstanceState.Of(instance);
        var request = new DownloadRequest(generate, state.RecentDownloads, state.LatestId is not null, contentKey != state.LatestContentKey,
            ByStaff: InstanceAccess.IsVendorStaff(actor, instance.OwnerId));
        var decision = InstanceLifecycle.Download(before, request, Rules, now);
        decision.State.ApplyTo(instance);
        var timeRule = decision.TimeRule == AutomaticChange.None ? null
            : AuditLog.Automatic(AuditLog.ActionFor(decision.TimeRule), now, instance.Name, before.Status, before.Reason,
                decision.AfterTimeRule.Status, decision.AfterTimeRule.Reason, generate ? "license.generate" : "license.download", actor.UserName);
        // What this request itself changes (a refusal that starts DOWNLOADERROR) is judged after the time rules.
        var statusBefore = decision.AfterTimeRule.Status;
        if (decision.Action != DownloadAction.Issue)
        {
            return new DownloadOutcome(before.Status, statusBefore, timeRule, null, decision.Refusal, decision.RetryAt, decision.Counts);
        }
        try
        {
            var issued = issuer.Issue(instance, vendorKey!, contentKey!, state.LatestRevision + 1, actor, now);
            issued.IssuedByStaff = request.ByStaff;
            return new DownloadOutcome(before.Status, statusBefore, timeRule, issued, null, null, decision.Counts);
        }
        catch (Exception ex) when (ex is LicenseException or KeyFileException or HostInfoException or ArgumentException)
        {
            logger.LogError(ex, "Generating a license for {Instance} failed", instance.Name);
            var failed = InstanceLifecycle.IssueFailed(decision.State, request, now);
            failed.ApplyTo(instance);
            return new DownloadOutcome(before.Status, statusBefore, timeRule, null, InstanceLifecycle.GenerationFailed,
                failed.Status == InstanceStatus.DOWNLOADERROR ? InstanceLifecycle.RetryAt(failed, Rules.CoolDown) : null, decision.Counts);
        }
    }

    /// <summary>Everything the request writes in one transaction: the state, the revision, the download row and the audit entries.</summary>
    private static DownloadWrite Record(PortalActor actor, Instance instance, DownloadState state, DownloadOutcome outcome, LatestLicense? served, string remoteAddress, DateTime now)
    {
        var revision = outcome.Issued?.Revision ?? state.LatestRevision;
        List<AuditEntry> audit = outcome.TimeRule is null ? [] : [outcome.TimeRule];
        LicenseDownload? download = null;
        if (outcome.Refusal is null)
        {
            // Staff downloads are recorded like any other (who, when, from where), marked so the trail shows they did not count.
            var action = outcome.Issued is not null ? "license.generate" : "license.download";
            audit.Add(AuditLog.Create(actor, now, action, "instance", instance.Name, null, outcome.Counts
                ? new { Revision = revision, New = outcome.Issued is not null, served!.VendorKeyId, served.HostKeyFingerprint, Address = remoteAddress }
                : new { Revision = revision, New = outcome.Issued is not null, served!.VendorKeyId, served.HostKeyFingerprint, Address = remoteAddress, ByStaff = true }));
            download = new LicenseDownload
            {
                InstanceId = instance.Id, UserName = actor.UserName, At = now, RemoteAddress = Truncate(remoteAddress, 64), ByStaff = !outcome.Counts,
            };
            if (outcome.Issued is not null)
            {
                download.LicenseRecord = outcome.Issued;
            }
            else
            {
                download.LicenseRecordId = state.LatestId!.Value;
            }
        }
        else if (instance.Status != outcome.StatusBefore)
        {
            audit.Add(AuditLog.Create(actor, now, "license.refused", "instance", instance.Name, new { Status = outcome.StatusBefore.ToString() },
                new { Status = instance.Status.ToString(), Reason = outcome.Refusal, Address = remoteAddress }));
        }
        // The version moves only when the instance does (state, a new revision, a counted download): a staff read leaves it,
        // so it cannot make anyone's edit of the instance stale. The write still checks it, so the state served is current.
        var changed = download is { ByStaff: false } || outcome.Issued is not null || outcome.TimeRule is not null || instance.Status != outcome.StatusBefore;
        // The webhooks' outbox rows go into the same transaction as the state and the revision.
        List<WebhookEvent> webhooks = [];
        if (WebhookEvents.StateChanged(instance, outcome.Original, now) is { } stateChanged)
        {
            webhooks.Add(stateChanged);
        }
        if (outcome.Issued is { } issuedLicense)
        {
            webhooks.Add(WebhookEvents.Issued(instance, issuedLicense, now));
        }
        return new DownloadWrite(instance.Id, instance.Version, changed ? Guid.NewGuid() : instance.Version, instance.Status, instance.StatusReason, instance.StatusChangedAt,
            revision, outcome.Issued, download, audit, webhooks);
    }

    private ServiceResult<LicenseDownloadFile> Answer(PortalActor actor, Instance instance, DownloadState state, DownloadOutcome outcome, LatestLicense? served)
    {
        if (outcome.Refusal is not null)
        {
            logger.LogInformation("{Actor} was refused a license for {Instance}: {Reason}", actor.UserName, instance.Name, outcome.Refusal);
            return Refused(outcome.Refusal, outcome.RetryAt);
        }
        var revision = outcome.Issued?.Revision ?? state.LatestRevision;
        logger.LogInformation("{Actor} downloaded license revision {Revision} of {Instance}", actor.UserName, revision, instance.Name);
        return ServiceResult<LicenseDownloadFile>.Ok(new LicenseDownloadFile(FileName(instance.Name), served!.FileText, revision, outcome.Issued is not null));
    }

    private async Task<LatestLicense> LoadLatestAsync(long licenseId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await LoadLatestLicense(db, licenseId);
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
        if (WebhookEvents.StateChanged(instance, InstanceStatus.DOWNLOADERROR, Now) is { } stateChanged)
        {
            WebhookEvents.Add(db, stateChanged);
        }
        await db.SaveChangesAsync(cancellationToken);
        await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
        return await RowAsync(db, instance.Id, cancellationToken) is { } row ? ServiceResult<InstanceRow>.Ok(row) : ServiceResult<InstanceRow>.NotFound();
    }

    public async Task<HostDetails?> GetHostDetailsAsync(PortalActor actor, string instanceName, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instance = await FindVisibleAsync(db, actor, instanceName, cancellationToken, track: false);
        return instance is null ? null : new HostDetails(instance.Mac, instance.SerialNumber, instance.HostKeyFingerprint, instance.CheckCode, instance.HostInfoUploadedAt);
    }

    /// <summary>
    /// Every revision, newest first, with who downloaded it, when and from where. Staff see every name and address; a
    /// customer sees their own side's, and vendor staff's only as "vendor staff" (no name, no address).
    /// </summary>
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
                l.Downloads.OrderByDescending(d => d.At).Take(100).Select(d => new LicenseDownloadEntry(d.UserName, d.At, d.RemoteAddress, d.ByStaff)).ToList(),
                l.IssuedByStaff))
            .ToListAsync(cancellationToken);
        return actor.SeesEverything ? records : records.Select(ForCustomer).ToList();
    }

    /// <summary>The customer's view of a revision: vendor staff without their names and addresses.</summary>
    private static LicenseHistoryEntry ForCustomer(LicenseHistoryEntry entry) => entry with
    {
        IssuedBy = entry.IssuedByStaff ? null : entry.IssuedBy,
        Downloads = entry.Downloads.Select(d => d.ByStaff ? d with { UserName = null, RemoteAddress = null } : d).ToList(),
    };

    /// <summary>The seed's file name for an instance's license.</summary>
    public static string FileName(string instanceName) => instanceName + "_LICENSE";

    private static bool CanChange(PortalActor actor, Instance instance) => InstanceAccess.MayChange(actor, instance.OwnerId);

    internal static async Task<Instance?> FindVisibleAsync(AppDbContext db, PortalActor actor, string name, CancellationToken cancellationToken, bool track = true)
    {
        var normalized = InstanceRules.Normalize(name ?? "");
        var query = track ? db.Instances : db.Instances.AsNoTracking();
        // Another customer's instance is "not found", not "forbidden": its existence is no one else's business.
        return await query.VisibleTo(actor).FirstOrDefaultAsync(i => i.NormalizedName == normalized, cancellationToken);
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    /// <summary>The instance as the answer shows it, read after the save; null when a delete landed right after that save.</summary>
    internal static Task<InstanceRow?> RowAsync(AppDbContext db, int id, CancellationToken cancellationToken) =>
        InstanceService.Project(db.Instances.AsNoTracking().Where(i => i.Id == id)).FirstOrDefaultAsync(cancellationToken);
}
