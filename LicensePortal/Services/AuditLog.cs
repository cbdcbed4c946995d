using System.Text.Json;
using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>
/// Adds an audit entry to the same context as the change it describes, so the change and its entry are saved by the
/// same SaveChanges (or the same transaction) and commit together or not at all.
/// </summary>
public static class AuditLog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Tracks a new entry in <paramref name="db"/>; the caller's SaveChanges writes it. <paramref name="before"/> and
    /// <paramref name="after"/> are small objects of the relevant fields, never secrets.
    /// </summary>
    public static AuditEntry Add(AppDbContext db, PortalActor actor, DateTime at, string action, string targetType, string targetKey, object? before, object? after)
    {
        var entry = Create(actor, at, action, targetType, targetKey, before, after);
        db.AuditEntries.Add(entry);
        return entry;
    }

    public static AuditEntry Create(PortalActor actor, DateTime at, string action, string targetType, string targetKey, object? before, object? after) => new()
    {
        At = DateTime.SpecifyKind(at, DateTimeKind.Utc),
        ActorUserId = actor.UserId,
        ActorUserName = Truncate(actor.UserName, AuditEntry.UserNameMaxLength),
        RemoteAddress = Truncate(actor.RemoteAddress ?? "", AuditEntry.AddressMaxLength),
        Action = Truncate(action, AuditEntry.ActionMaxLength),
        TargetType = Truncate(targetType, AuditEntry.TargetTypeMaxLength),
        TargetKey = Truncate(targetKey, AuditEntry.TargetKeyMaxLength),
        Before = before is null ? null : JsonSerializer.Serialize(before, Json),
        After = after is null ? null : JsonSerializer.Serialize(after, Json),
    };

    /// <summary>Action of the rule that expires an instance the day after its expiry date.</summary>
    public const string InstanceExpire = "instance.expire";

    /// <summary>Action of the rule that ends DOWNLOADERROR after its cool-down.</summary>
    public const string InstanceCoolDownEnd = "instance.cool-down-end";

    /// <summary>A valid host info file for another host key, held for an administrator (controlled rebinding).</summary>
    public const string RebindRequested = "hostinfo.rebind-requested";

    /// <summary>An administrator moved the instance to its pending host.</summary>
    public const string RebindApproved = "hostinfo.rebind-approved";

    /// <summary>An administrator turned the pending host down; the instance stays on its host.</summary>
    public const string RebindDenied = "hostinfo.rebind-denied";

    /// <summary>A host info file for another host key moved the instance by itself, within <c>Licensing:RebindPolicy</c> (counted from these entries).</summary>
    public const string RebindAutomatic = "hostinfo.rebind-automatic";

    /// <summary>An administrator changed how many host identifiers a license lets go missing.</summary>
    public const string ToleranceChanged = "instance.host-identifier-tolerance";

    /// <summary>The audited host of an instance: its state and the host on file (no key material besides the fingerprint).</summary>
    public static object HostState(Instance i) => new
    {
        Status = i.Status.ToString(),
        i.StatusReason,
        i.Mac,
        i.SerialNumber,
        i.HostKeyFingerprint,
        i.HostIdentifiers,
    };

    /// <summary>The audited host of an instance with its rebind request, if any (empty pending fields without one).</summary>
    public static object RebindState(Instance i, PendingHost? pending) => new
    {
        Status = i.Status.ToString(),
        i.Mac,
        i.SerialNumber,
        i.HostKeyFingerprint,
        i.HostIdentifiers,
        PendingHostKeyFingerprint = pending?.HostKeyFingerprint ?? "",
        PendingMac = pending?.Mac ?? "",
        PendingSerialNumber = pending?.SerialNumber ?? "",
        PendingHostIdentifiers = pending is null ? "" : HostIdentifierList.Format(pending.Identifiers),
        PendingHostBy = pending?.UploadedBy ?? "",
    };

    /// <summary>The audit action of a change the time rules made.</summary>
    public static string ActionFor(AutomaticChange change) => change switch
    {
        AutomaticChange.Expired => InstanceExpire,
        AutomaticChange.CoolDownEnded => InstanceCoolDownEnd,
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "Only automatic changes are audited as such."),
    };

    /// <summary>
    /// A state change made by the portal's time rules, by <see cref="PortalActor.System"/>. <paramref name="trigger"/> says
    /// what applied it: "sweep" (the background sweep) or the request that touched the instance ("license.generate"),
    /// with <paramref name="triggeredBy"/> the user whose request that was.
    /// </summary>
    public static AuditEntry Automatic(string action, DateTime at, string instanceName, InstanceStatus beforeStatus, string beforeReason,
        InstanceStatus afterStatus, string afterReason, string trigger, string? triggeredBy = null) =>
        Create(PortalActor.System, at, action, "instance", instanceName,
            new { Status = beforeStatus.ToString(), StatusReason = beforeReason },
            triggeredBy is null
                ? (object)new { Status = afterStatus.ToString(), StatusReason = afterReason, Trigger = trigger }
                : new { Status = afterStatus.ToString(), StatusReason = afterReason, Trigger = trigger, TriggeredBy = triggeredBy });

    /// <summary>The audited fields of an instance (quotas, expiry, state, host identity; never key material other than the fingerprint).</summary>
    public static object InstanceState(Instance i) => new
    {
        i.Name,
        i.OwnerId,
        i.MaxDesktops,
        i.MaxImages,
        i.MaxUsers,
        i.MaxVcpus,
        i.MaxVmemGib,
        i.MaxVdiskGib,
        ExpiresOn = i.ExpiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Status = i.Status.ToString(),
        i.StatusReason,
        i.Mac,
        i.SerialNumber,
        i.HostKeyFingerprint,
    };

    /// <summary>The audited fields of an account: profile, role and flags. No password, hash or security stamp.</summary>
    public static object UserState(PortalUser u, string role) => new
    {
        u.UserName,
        u.Email,
        Phone = u.PhoneNumber,
        u.Organization,
        u.OsAuthUrl,
        Role = role,
        u.IsActive,
        Confirmed = u.EmailConfirmed,
    };

    /// <summary>An account's address confirmed through the link in its confirmation mail (by the account).</summary>
    public const string EmailConfirmed = "user.email-confirmed";

    /// <summary>The confirmation link sent again, asked for by an administrator on /users or by the account on its e-mail page.</summary>
    public const string ConfirmationLinkSentAgain = "user.confirmation-link-sent";

    /// <summary>An account added or updated by <c>import-legacy</c> from the first-generation system.</summary>
    public const string UserImport = "user.import";

    /// <summary>An instance added or updated by <c>import-legacy</c> from the first-generation system.</summary>
    public const string InstanceImport = "instance.import";

    /// <summary>An imported account's audited fields (as <see cref="UserState"/>) and which import wrote them, with the old row's id.</summary>
    public static object ImportedUser(PortalUser u, string role, string import, string source, long legacyId) => new
    {
        u.UserName,
        u.Email,
        Phone = u.PhoneNumber,
        u.Organization,
        u.OsAuthUrl,
        Role = role,
        u.IsActive,
        Confirmed = u.EmailConfirmed,
        Import = import,
        Source = source,
        LegacyId = legacyId,
    };

    /// <summary>An imported instance's audited fields (as <see cref="InstanceState"/>), the old download count, and which import wrote them.</summary>
    public static object ImportedInstance(Instance i, string import, string source, long? legacyId) => new
    {
        i.Name,
        i.OwnerId,
        i.MaxDesktops,
        i.MaxImages,
        i.MaxUsers,
        i.MaxVcpus,
        i.MaxVmemGib,
        i.MaxVdiskGib,
        ExpiresOn = i.ExpiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Status = i.Status.ToString(),
        i.StatusReason,
        i.Mac,
        i.SerialNumber,
        i.ImportedDownloadCount,
        Import = import,
        Source = source,
        LegacyId = legacyId,
    };

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
