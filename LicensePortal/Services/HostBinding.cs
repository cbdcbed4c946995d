using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// Controlled rebinding: an instance stays bound to its host until an administrator approves a pending host (a valid host
/// info file for another host key, kept by <see cref="HostInfoIntake"/>), or denies it. Also the administrators' host
/// identifier tolerance. Each change is audited in the same save, guarded by the instance's version, and announced.
/// </summary>
public sealed class HostBinding(
    IDbContextFactory<AppDbContext> dbFactory,
    InstanceChangeNotifier notifier,
    TimeProvider time,
    ILogger<HostBinding> logger)
{
    /// <summary>Approve or deny with nothing pending.</summary>
    public const string NoPendingHost = "HostBinding.NoPendingHost";

    /// <summary>The pending host is not the one the administrator looked at (a newer request replaced it).</summary>
    public const string PendingHostChanged = "HostBinding.PendingHostChanged";

    /// <summary>A tolerance outside 0..<see cref="Instance.MaxHostIdentifierTolerance"/>.</summary>
    public const string ToleranceOutOfRange = "HostBinding.ToleranceOutOfRange";


    /// <summary>The instance's host binding as <paramref name="actor"/> may see it; null when the instance is not visible.</summary>
    public async Task<HostBindingView?> GetAsync(PortalActor actor, string instanceName, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instance = await LicenseService.FindVisibleAsync(db, actor, instanceName, cancellationToken, track: false);
        return instance is null ? null : await ViewAsync(db, instance, cancellationToken);
    }

    /// <summary>
    /// Moves the instance to its pending host exactly as an accepted upload of that file would (host details,
    /// identifiers, the state <see cref="InstanceLifecycle.RebindApproved"/> gives) and clears the request. With
    /// <paramref name="expectedFingerprint"/>, refuses (conflict) when the pending host is another one by now.
    /// </summary>
    public Task<ServiceResult<HostBindingView>> ApproveAsync(PortalActor actor, string instanceName, string? expectedFingerprint = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, instanceName, "approved the pending host", (db, instance, now) =>
        {
            if (ReadPending(instance, expectedFingerprint, out var hostInfo, out var pending) is { } error)
            {
                return error;
            }
            var before = AuditLog.RebindState(instance, pending);
            var statusBefore = instance.Status;
            Bind(instance, hostInfo!, now);
            InstanceLifecycle.RebindApproved(InstanceState.Of(instance), now).ApplyTo(instance);
            ClearPending(instance);
            AuditLog.Add(db, actor, now, AuditLog.RebindApproved, "instance", instance.Name, before, AuditLog.RebindState(instance, null));
            if (Webhooks.WebhookEvents.StateChanged(instance, statusBefore, now) is { } stateChanged)
            {
                Webhooks.WebhookEvents.Add(db, stateChanged);
            }
            return null;
        }, cancellationToken);

    /// <summary>Turns the pending host down: the request is cleared, the instance stays on its host.</summary>
    public Task<ServiceResult<HostBindingView>> DenyAsync(PortalActor actor, string instanceName, string? expectedFingerprint = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, instanceName, "denied the pending host", (db, instance, now) =>
        {
            if (ReadPending(instance, expectedFingerprint, out _, out var pending) is { } error)
            {
                return error;
            }
            var before = AuditLog.RebindState(instance, pending);
            ClearPending(instance);
            AuditLog.Add(db, actor, now, AuditLog.RebindDenied, "instance", instance.Name, before, AuditLog.RebindState(instance, null));
            return null;
        }, cancellationToken);

    /// <summary>
    /// How many recorded host identifiers the instance's licenses let go missing: 0 (strict) to
    /// <see cref="Instance.MaxHostIdentifierTolerance"/>; anything else is refused and changes nothing. The next license
    /// carries it (a new revision).
    /// </summary>
    public Task<ServiceResult<HostBindingView>> SetToleranceAsync(PortalActor actor, string instanceName, int tolerance, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, instanceName, "set the host identifier tolerance", (db, instance, now) =>
        {
            if (tolerance is < 0 or > Instance.MaxHostIdentifierTolerance)
            {
                return new FieldError(nameof(Instance.HostIdentifierTolerance), ToleranceOutOfRange, 0, Instance.MaxHostIdentifierTolerance);
            }
            if (tolerance == instance.HostIdentifierTolerance)
            {
                return null; // nothing to change, nothing to record
            }
            var before = new { instance.HostIdentifierTolerance };
            instance.HostIdentifierTolerance = tolerance;
            AuditLog.Add(db, actor, now, AuditLog.ToleranceChanged, "instance", instance.Name, before, new { instance.HostIdentifierTolerance });
            return null;
        }, cancellationToken);

    /// <summary>
    /// An administrator's change of one instance: read it, apply <paramref name="change"/> (an error: nothing is saved),
    /// save with the version check (a concurrent edit: read again and re-apply), announce it.
    /// </summary>
    private async Task<ServiceResult<HostBindingView>> ChangeAsync(PortalActor actor, string instanceName, string what,
        Func<AppDbContext, Instance, DateTime, FieldError?> change, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<HostBindingView>.Forbidden();
        }
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var instance = await LicenseService.FindVisibleAsync(db, actor, instanceName, cancellationToken);
            if (instance is null)
            {
                return ServiceResult<HostBindingView>.NotFound();
            }
            var now = time.GetUtcNow().UtcDateTime;
            if (change(db, instance, now) is { } error)
            {
                return error.Code != PendingHostChanged ? ServiceResult<HostBindingView>.Invalid([error])
                    : await ViewAsync(db, instance, cancellationToken) is { } current ? new ServiceResult<HostBindingView>(current, Failure.Conflict, [error])
                    : ServiceResult<HostBindingView>.NotFound();
            }
            if (!db.ChangeTracker.HasChanges())
            {
                return Answer(await ViewAsync(db, instance, cancellationToken));
            }
            instance.UpdatedAt = now;
            instance.Version = Guid.NewGuid();
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < InstanceWrites.ConcurrencyRetries)
            {
                continue; // an edit landed between our read and write: read again and re-apply
            }
            logger.LogInformation("{Actor} {Change} of {Instance}", actor.UserName, what, instance.Name);
            await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
            return Answer(await ViewAsync(db, instance, cancellationToken));
        }
    }

    /// <summary>The view after a change, or "not found" when a delete landed right after it.</summary>
    private static ServiceResult<HostBindingView> Answer(HostBindingView? view) =>
        view is null ? ServiceResult<HostBindingView>.NotFound() : ServiceResult<HostBindingView>.Ok(view);

    /// <summary>The pending host file, parsed, and as shown; or why there is none to decide on.</summary>
    private static FieldError? ReadPending(Instance instance, string? expectedFingerprint, out HostInfo? hostInfo, out PendingHost? pending)
    {
        hostInfo = null;
        pending = null;
        if (instance.PendingHostInfo.Length == 0)
        {
            return new FieldError("", NoPendingHost);
        }
        try
        {
            hostInfo = HostInfoFile.Parse(instance.PendingHostInfo);
        }
        catch (HostInfoException ex)
        {
            return new FieldError("", $"HostInfo.{ex.Code}");
        }
        pending = PendingHost.From(hostInfo, instance.PendingHostAt ?? default, instance.PendingHostBy);
        return !string.IsNullOrEmpty(expectedFingerprint) && !string.Equals(expectedFingerprint.Trim(), hostInfo.HostKeyFingerprint, StringComparison.OrdinalIgnoreCase)
            ? new FieldError("fingerprint", PendingHostChanged)
            : null;
    }

    private static async Task<HostBindingView?> ViewAsync(AppDbContext db, Instance instance, CancellationToken cancellationToken) =>
        await LicenseService.RowAsync(db, instance.Id, cancellationToken) is { } row
            ? new(row, instance.HostKeyFingerprint, HostIdentifierList.OnFile(instance.HostIdentifiers, instance.Mac, instance.SerialNumber), PendingHost.Of(instance))
            : null;

    /// <summary>Makes <paramref name="hostInfo"/>'s host the instance's host (the state is the caller's, from the lifecycle).</summary>
    internal static void Bind(Instance instance, HostInfo hostInfo, DateTime now)
    {
        if (PendingHost.Of(instance) is { } pending && string.Equals(pending.HostKeyFingerprint, hostInfo.HostKeyFingerprint, StringComparison.OrdinalIgnoreCase))
        {
            ClearPending(instance); // the pending host itself is bound now: its request is answered
        }
        instance.Mac = hostInfo.Mac;
        instance.SerialNumber = hostInfo.SerialNumber;
        instance.CheckCode = hostInfo.CheckCode;
        instance.PublicKey = hostInfo.HostPublicKey.Export();
        instance.HostKeyFingerprint = hostInfo.HostKeyFingerprint;
        instance.HostIdentifiers = HostIdentifierList.Format(hostInfo.Identifiers);
        instance.HostInfoUploadedAt = now;
    }

    /// <summary>Keeps a host info file for another host as the pending host; a newer request replaces an older one.</summary>
    internal static void Hold(Instance instance, string hostInfoText, string uploadedBy, DateTime now)
    {
        instance.PendingHostInfo = hostInfoText;
        instance.PendingHostAt = now;
        instance.PendingHostBy = uploadedBy.Length <= 256 ? uploadedBy : uploadedBy[..256];
    }

    private static void ClearPending(Instance instance)
    {
        instance.PendingHostInfo = "";
        instance.PendingHostAt = null;
        instance.PendingHostBy = "";
    }
}
