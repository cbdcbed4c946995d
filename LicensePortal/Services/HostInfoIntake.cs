using System.Globalization;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Options;
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
    ILogger<HostInfoIntake> logger)
{
    // Each round of a race on one instance lets exactly one writer through, so N simultaneous requests need up to N-1 retries.
    private const int ConcurrencyRetries = 50;

    private LicensingOptions Options => options.Value;

    /// <summary>
    /// Takes a host info file for an instance. Input that is not a host info file at all (empty, over 64 KiB, binary,
    /// no host info header), and a file created more than <see cref="LicenseFile.ClockSkew"/> after the portal's clock,
    /// is refused and changes nothing. A host info file that fails its checks (edited, truncated,
    /// made for another instance) puts the instance in INFOERROR with the reason, keeping the host details on file.
    /// </summary>
    public async Task<ServiceResult<HostInfoOutcome>> UploadAsync(PortalActor actor, string instanceName, ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default)
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
            var before = HostState(instance);
            if (reason is null)
            {
                instance.Mac = hostInfo!.Mac;
                instance.SerialNumber = hostInfo.SerialNumber;
                instance.CheckCode = hostInfo.CheckCode;
                instance.PublicKey = hostInfo.HostPublicKey.Export();
                instance.HostKeyFingerprint = hostInfo.HostKeyFingerprint;
                instance.HostIdentifiers = HostIdentifierList.Format(hostInfo.Identifiers);
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
                new { Accepted = reason is null, Reason = reason, Status = instance.Status.ToString(), instance.Mac, instance.SerialNumber, instance.HostKeyFingerprint, instance.HostIdentifiers });
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
            return ServiceResult<HostInfoOutcome>.Ok(new HostInfoOutcome(reason is null, instance.Status, reason, await LicenseService.RowAsync(db, instance.Id, cancellationToken)));
        }
    }

    private static object HostState(Instance instance) => new
    {
        Status = instance.Status.ToString(),
        instance.StatusReason,
        instance.Mac,
        instance.SerialNumber,
        instance.HostKeyFingerprint,
        instance.HostIdentifiers,
    };
}
