using System.Globalization;
using System.Text;
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
/// The one way host info comes in, for the instance page, the seed's /upload_hostinfo and the API: screened by the
/// library (not a host info file at all: refused, nothing changes), parsed and checked, then the state change that
/// <see cref="InstanceLifecycle"/> decides, audited and announced.
/// </summary>
public sealed class HostInfoIntake(
    IDbContextFactory<AppDbContext> dbFactory,
    InstanceChangeNotifier notifier,
    IOptions<LicensingOptions> options,
    TimeProvider time,
    PortalMetrics metrics,
    ILogger<HostInfoIntake> logger)
{

    private LicensingOptions Options => options.Value;

    /// <summary>
    /// Takes a host info file for an instance. Input that is not a host info file at all (empty, over 64 KiB, binary,
    /// no host info header), and a file created more than <see cref="LicenseFile.ClockSkew"/> after the portal's clock,
    /// is refused and changes nothing. A host info file that fails its checks (edited, truncated,
    /// made for another instance) puts the instance in INFOERROR with the reason, keeping the host details on file.
    /// A valid file binds the host when none is on file or it is the same host key; for another host key it is a rebind
    /// request (<see cref="InstanceLifecycle.HostInfoValid"/>): kept as the pending host, the current one staying bound,
    /// unless <see cref="LicensingOptions.RebindPolicy"/> allows an automatic rebind.
    /// </summary>
    public async Task<ServiceResult<HostInfoOutcome>> UploadAsync(PortalActor actor, string instanceName, ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default)
    {
        if (Check(file.Span, instanceName, out var hostInfo, out var reason) is { } refused)
        {
            metrics.HostInfoUploaded(refused.Errors[0].Code);
            return refused;
        }
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var instance = await LicenseService.FindVisibleAsync(db, actor, instanceName, cancellationToken);
            if (instance is null)
            {
                return ServiceResult<HostInfoOutcome>.NotFound();
            }
            if (!InstanceAccess.MayChange(actor, instance.OwnerId))
            {
                return ServiceResult<HostInfoOutcome>.Forbidden();
            }

            var now = time.GetUtcNow().UtcDateTime;
            var statusBefore = instance.Status;
            var binding = reason is null ? await AcceptAsync(db, actor, instance, hostInfo!, file, now, cancellationToken) : (HostInfoBinding?)null;
            if (reason is not null)
            {
                var before = AuditLog.HostState(instance);
                InstanceLifecycle.HostInfoRejected(InstanceState.Of(instance), reason, now).ApplyTo(instance);
                AuditLog.Add(db, actor, now, "hostinfo.rejected", "instance", instance.Name, before, Uploaded(instance, reason));
            }
            instance.UpdatedAt = now;
            instance.Version = Guid.NewGuid();
            // The webhooks' outbox, saved with the change (and re-added from scratch by a retry's new context).
            WebhookEvents.Add(db, binding is { } bound ? WebhookEvents.Accepted(instance, bound, now) : WebhookEvents.Rejected(instance, reason!, now));
            if (WebhookEvents.StateChanged(instance, statusBefore, now) is { } stateChanged)
            {
                WebhookEvents.Add(db, stateChanged);
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < InstanceWrites.ConcurrencyRetries)
            {
                continue; // an edit landed between our read and write: read again and re-apply
            }
            logger.LogInformation("{Actor} uploaded host info for {Instance}: {Outcome}", actor.UserName, instance.Name, reason ?? binding.ToString());
            metrics.HostInfoUploaded(reason);
            await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
            // Deleted right after the save (a delete racing the upload): nothing is left to answer about.
            return await LicenseService.RowAsync(db, instance.Id, cancellationToken) is { } row
                ? ServiceResult<HostInfoOutcome>.Ok(new HostInfoOutcome(binding, instance.Status, reason, row))
                : ServiceResult<HostInfoOutcome>.NotFound();
        }
    }

    /// <summary>
    /// Whether the bytes are a host info file worth judging: a refusal (nothing changes) for input that is not one or was
    /// created in the future; otherwise the parsed file, or the reason it fails its checks.
    /// </summary>
    private ServiceResult<HostInfoOutcome>? Check(ReadOnlySpan<byte> file, string instanceName, out HostInfo? hostInfo, out string? reason)
    {
        hostInfo = null;
        reason = null;
        // Input that is not a host info file at all is refused and changes nothing; a damaged one is judged below.
        if (HostInfoFile.Screen(file, Options.HostInfoMaxBytes) is { } refusal)
        {
            return ServiceResult<HostInfoOutcome>.Invalid("File", $"HostInfo.{refusal}");
        }
        try
        {
            hostInfo = HostInfoFile.Parse(file);
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
        return null;
    }

    /// <summary>A valid file: bind its host now, or hold it as a rebind request, as the lifecycle decides; audited either way.</summary>
    private async Task<HostInfoBinding> AcceptAsync(AppDbContext db, PortalActor actor, Instance instance, HostInfo hostInfo, ReadOnlyMemory<byte> file, DateTime now, CancellationToken cancellationToken)
    {
        var state = InstanceState.Of(instance);
        var sameKey = string.Equals(instance.HostKeyFingerprint, hostInfo.HostKeyFingerprint, StringComparison.OrdinalIgnoreCase);
        var allowed = Options.RebindPolicy;
        IReadOnlyList<DateTime> rebinds = state.HasHost && !sameKey && allowed > 0 ? await AutomaticRebindsAsync(db, instance.Name, allowed, now, cancellationToken) : [];
        var (next, binding) = InstanceLifecycle.HostInfoValid(state, new HostUpload(sameKey, rebinds), allowed, now);
        var pendingBefore = PendingHost.Of(instance);
        switch (binding)
        {
            case HostInfoBinding.HoldForApproval:
                var held = AuditLog.RebindState(instance, pendingBefore);
                HostBinding.Hold(instance, Encoding.UTF8.GetString(file.Span), actor.UserName, now);
                AuditLog.Add(db, actor, now, AuditLog.RebindRequested, "instance", instance.Name, held, AuditLog.RebindState(instance, PendingHost.Of(instance)));
                break;
            case HostInfoBinding.AutomaticRebind:
                var moved = AuditLog.RebindState(instance, pendingBefore);
                HostBinding.Bind(instance, hostInfo, now);
                next.ApplyTo(instance);
                AuditLog.Add(db, actor, now, AuditLog.RebindAutomatic, "instance", instance.Name, moved, AuditLog.RebindState(instance, PendingHost.Of(instance)));
                break;
            default:
                var before = AuditLog.HostState(instance);
                HostBinding.Bind(instance, hostInfo, now);
                next.ApplyTo(instance);
                AuditLog.Add(db, actor, now, "hostinfo.upload", "instance", instance.Name, before, Uploaded(instance, null));
                break;
        }
        return binding;
    }

    /// <summary>
    /// When this instance was rebound automatically within the policy's window, from the audit trail (append-only, and
    /// written in the same save as each rebind, so a concurrent upload that read before it fails the version check).
    /// </summary>
    private static async Task<IReadOnlyList<DateTime>> AutomaticRebindsAsync(AppDbContext db, string instanceName, int allowed, DateTime now, CancellationToken cancellationToken)
    {
        var since = InstanceLifecycle.RebindWindowStart(now);
        return await db.AuditEntries.AsNoTracking()
            .Where(e => e.TargetType == "instance" && e.TargetKey == instanceName && e.At > since && e.Action == AuditLog.RebindAutomatic)
            .OrderByDescending(e => e.At).Select(e => e.At).Take(allowed).ToListAsync(cancellationToken);
    }

    private static object Uploaded(Instance instance, string? reason) => new
    {
        Accepted = reason is null,
        Reason = reason,
        Status = instance.Status.ToString(),
        instance.Mac,
        instance.SerialNumber,
        instance.HostKeyFingerprint,
        instance.HostIdentifiers,
    };
}
