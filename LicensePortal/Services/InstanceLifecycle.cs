using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>
/// An instance as its lifecycle sees it: the seed's state with its reason and since when, the expiry date, and whether
/// a valid host is on file.
/// </summary>
public readonly record struct InstanceState(InstanceStatus Status, string Reason, DateTime ChangedAt, DateOnly ExpiresOn, bool HasHost)
{
    public static InstanceState Of(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new(instance.Status, instance.StatusReason, instance.StatusChangedAt, instance.ExpiresOn, instance.PublicKey.Length > 0);
    }

    /// <summary>Writes the state (status, reason, since when) onto the entity.</summary>
    public void ApplyTo(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        instance.Status = Status;
        instance.StatusReason = Reason;
        instance.StatusChangedAt = ChangedAt;
    }
}

/// <summary>A change the portal makes by itself, by the time rules.</summary>
public enum AutomaticChange
{
    None,

    /// <summary>The expiry date has passed: EXPIRED.</summary>
    Expired,

    /// <summary>DOWNLOADERROR's cool-down is over: TODOWNLOAD.</summary>
    CoolDownEnded,
}

/// <summary>What a license request does.</summary>
public enum DownloadAction
{
    /// <summary>Make a new revision (quotas, expiry, host or signing key changed, or none was issued yet).</summary>
    Issue,

    /// <summary>Serve the latest revision again, as it was issued.</summary>
    Reserve,

    /// <summary>Refuse, with <see cref="DownloadDecision.Refusal"/>.</summary>
    Refuse,
}

/// <summary>The facts about one license request besides the instance's state.</summary>
/// <param name="Generate">The seed's /download_license (may make a revision); false for /static/license (the latest only).</param>
/// <param name="RecentDownloads">Downloads within the download window.</param>
/// <param name="HasLicense">A revision has been issued before.</param>
/// <param name="ContentChanged">What a new license would say differs from the latest revision.</param>
/// <param name="ByStaff">
/// Vendor staff (an administrator or support, not the instance's owner) asks: a read on the vendor's side, which neither
/// counts toward the customer's download limit nor changes the state (<see cref="InstanceAccess.IsVendorStaff"/>).
/// </param>
public readonly record struct DownloadRequest(bool Generate, int RecentDownloads, bool HasLicense, bool ContentChanged, bool ByStaff = false);

/// <summary>The download rule's settings (Licensing options).</summary>
public readonly record struct DownloadRules(int Limit, TimeSpan CoolDown);

/// <summary>What a valid host info file does to the instance's binding to its host (controlled rebinding).</summary>
public enum HostInfoBinding
{
    /// <summary>The first host, or the host on file again (same host key, e.g. new identifiers after a NIC change): bound now.</summary>
    Bind,

    /// <summary>
    /// Another host key while a host is on file: a rebind request. The file waits for an administrator; the current host,
    /// its license and the state stay as they are.
    /// </summary>
    HoldForApproval,

    /// <summary>Another host key, within the automatic rebinds <c>Licensing:RebindPolicy</c> allows: bound now.</summary>
    AutomaticRebind,
}

/// <summary>The facts about a valid host info upload besides the instance's state.</summary>
/// <param name="SameHostKey">The file's host key is the one on file.</param>
/// <param name="AutomaticRebinds">When this instance was rebound automatically before (at least those within <see cref="InstanceLifecycle.RebindWindow"/>).</param>
public readonly record struct HostUpload(bool SameHostKey, IReadOnlyList<DateTime> AutomaticRebinds);

/// <summary>
/// The outcome of a license request: the state after the time rule it applied first (and which), the state after the
/// request, what to do, and for a refusal its reason code and, when waiting helps, the time from which a request can
/// succeed. <paramref name="Counts"/>: a served file is one of the customer's downloads (false for vendor staff).
/// </summary>
public sealed record DownloadDecision(InstanceState AfterTimeRule, AutomaticChange TimeRule, InstanceState State, DownloadAction Action, string? Refusal, DateTime? RetryAt,
    bool Counts = true);

/// <summary>
/// Every state change of the seed's five states, decided in one place: pure and synchronous, no database and no clock of
/// its own (the time is passed in). Services, the API, the pages and the background sweep call it; the sweep's SQL is
/// tested against <see cref="ApplyTime"/>.
/// <list type="table">
/// <item><term>created</term><description>TOUPLOAD</description></item>
/// <item><term>host info accepted</term><description>TODOWNLOAD, or EXPIRED past the expiry date</description></item>
/// <item><term>host info rejected</term><description>INFOERROR with the reason</description></item>
/// <item><term>valid host info, first host or same host key</term><description>as host info accepted</description></item>
/// <item><term>valid host info, another host key, automatic rebinds left in the last 30 days</term><description>as host info accepted (an automatic rebind)</description></item>
/// <item><term>valid host info, another host key, none left</term><description>no state change: held for approval (the pending host)</description></item>
/// <item><term>administrator approves the pending host</term><description>as host info accepted</description></item>
/// <item><term>administrator denies it, or changes the host identifier tolerance</term><description>no state change</description></item>
/// <item><term>expiry date passed (any state)</term><description>EXPIRED</description></item>
/// <item><term>DOWNLOADERROR for the cool-down</term><description>TODOWNLOAD</description></item>
/// <item><term>download over the limit</term><description>DOWNLOADERROR (License.TooManyDownloads), retry after the cool-down</description></item>
/// <item><term>a license cannot be made</term><description>DOWNLOADERROR (License.GenerationFailed)</description></item>
/// <item><term>a download by vendor staff (administrator or support, not the owner)</term><description>no state change: the time rules apply as for anyone, only TODOWNLOAD serves, but it is not counted, the limit does not refuse it, and a license that cannot be made is refused with the state unchanged</description></item>
/// <item><term>administrator reset of DOWNLOADERROR</term><description>TODOWNLOAD, or EXPIRED</description></item>
/// <item><term>expiry moved into the future from EXPIRED</term><description>TODOWNLOAD with a host on file, else TOUPLOAD</description></item>
/// <item><term>quota edits</term><description>no state change (the next license carries them)</description></item>
/// </list>
/// </summary>
public static class InstanceLifecycle
{
    public const string TooManyDownloads = "License.TooManyDownloads";
    public const string GenerationFailed = "License.GenerationFailed";

    /// <summary>The reason of an imported instance that had a host in the first-generation system.</summary>
    public const string ImportedUploadHostInfo = "Import.UploadHostInfo";

    /// <summary>
    /// An instance imported from the first-generation system: EXPIRED past its expiry date; otherwise TOUPLOAD, and when
    /// it had a host there, with the reason saying to upload host info from the new agent (the old RSA host keys cannot
    /// receive new licenses, so no host is on file).
    /// </summary>
    public static InstanceState Imported(DateOnly expiresOn, bool hadHost, DateTime now) =>
        expiresOn < DateOnly.FromDateTime(now)
            ? new(InstanceStatus.EXPIRED, "", now, expiresOn, HasHost: false)
            : new(InstanceStatus.TOUPLOAD, hadHost ? ImportedUploadHostInfo : "", now, expiresOn, HasHost: false);

    /// <summary>A new instance: waiting for its host info.</summary>
    public static InstanceState Created(DateOnly expiresOn, DateTime now) => new(InstanceStatus.TOUPLOAD, "", now, expiresOn, HasHost: false);

    /// <summary>
    /// The time rules, applied whenever an instance is touched and by the background sweep for all: past the expiry date
    /// an instance is EXPIRED (before anything else); DOWNLOADERROR ends when its cool-down has run.
    /// </summary>
    public static (InstanceState State, AutomaticChange Change) ApplyTime(InstanceState state, DateTime now, TimeSpan coolDown)
    {
        if (state.Status != InstanceStatus.EXPIRED && state.ExpiresOn < DateOnly.FromDateTime(now))
        {
            return (To(state, InstanceStatus.EXPIRED, "", now), AutomaticChange.Expired);
        }
        if (state.Status == InstanceStatus.DOWNLOADERROR && state.ChangedAt + coolDown <= now)
        {
            return (To(state, InstanceStatus.TODOWNLOAD, "", now), AutomaticChange.CoolDownEnded);
        }
        return (state, AutomaticChange.None);
    }

    /// <summary>A valid host info file for this instance: the host is on file and a license can be downloaded.</summary>
    public static InstanceState HostInfoAccepted(InstanceState state, DateTime now) =>
        To(state, state.ExpiresOn < DateOnly.FromDateTime(now) ? InstanceStatus.EXPIRED : InstanceStatus.TODOWNLOAD, "", now) with { HasHost = true };

    /// <summary>The period over which <c>Licensing:RebindPolicy</c> counts automatic rebinds.</summary>
    public static readonly TimeSpan RebindWindow = TimeSpan.FromDays(30);

    /// <summary>The earliest time an automatic rebind still counts against the policy at <paramref name="now"/> (exclusive).</summary>
    public static DateTime RebindWindowStart(DateTime now) => now - RebindWindow;

    /// <summary>
    /// A valid host info file for this instance: bound now when no host is on file or it is the same host key; another
    /// host key is an automatic rebind while fewer than <paramref name="automaticRebindsAllowed"/> happened in the last
    /// <see cref="RebindWindow"/>, and otherwise held for an administrator's approval with the state unchanged.
    /// </summary>
    public static (InstanceState State, HostInfoBinding Binding) HostInfoValid(InstanceState state, HostUpload upload, int automaticRebindsAllowed, DateTime now)
    {
        if (!state.HasHost || upload.SameHostKey)
        {
            return (HostInfoAccepted(state, now), HostInfoBinding.Bind);
        }
        var since = RebindWindowStart(now);
        var recent = upload.AutomaticRebinds?.Count(at => at > since && at <= now) ?? 0;
        return recent < automaticRebindsAllowed
            ? (HostInfoAccepted(state, now), HostInfoBinding.AutomaticRebind)
            : (state, HostInfoBinding.HoldForApproval);
    }

    /// <summary>An administrator approved the pending host: as if its host info had just been accepted.</summary>
    public static InstanceState RebindApproved(InstanceState state, DateTime now) => HostInfoAccepted(state, now);

    /// <summary>A host info file that failed its checks (edited, truncated, another instance's): INFOERROR with the reason.</summary>
    public static InstanceState HostInfoRejected(InstanceState state, string reason, DateTime now) => To(state, InstanceStatus.INFOERROR, reason, now);

    /// <summary>An administrator moved the expiry date: past it the instance is EXPIRED; moved out of EXPIRED it waits for what it lacks.</summary>
    public static InstanceState ExpiryChanged(InstanceState state, DateOnly expiresOn, DateTime now)
    {
        var moved = state with { ExpiresOn = expiresOn };
        if (expiresOn < DateOnly.FromDateTime(now))
        {
            return To(moved, InstanceStatus.EXPIRED, "", now);
        }
        return state.Status == InstanceStatus.EXPIRED
            ? To(moved, moved.HasHost ? InstanceStatus.TODOWNLOAD : InstanceStatus.TOUPLOAD, "", now)
            : moved;
    }

    /// <summary>
    /// A license request: the time rules first; then the state decides (only TODOWNLOAD serves); then the download limit
    /// (downloads from before a time rule just applied belong to the episode that ended and do not count); then whether
    /// anything was issued; then issue or re-serve.
    /// </summary>
    public static DownloadDecision Download(InstanceState state, DownloadRequest request, DownloadRules rules, DateTime now)
    {
        var (current, timeRule) = ApplyTime(state, now, rules.CoolDown);
        var refusal = current.Status switch
        {
            InstanceStatus.TODOWNLOAD => null,
            InstanceStatus.TOUPLOAD => "License.NoHostInfo",
            InstanceStatus.INFOERROR => "License.HostInfoInvalid",
            InstanceStatus.DOWNLOADERROR => "License.DownloadError",
            InstanceStatus.EXPIRED => "License.Expired",
            _ => "Error.Unexpected",
        };
        if (refusal is not null)
        {
            return Refuse(current, timeRule, current, refusal, rules, !request.ByStaff);
        }
        var recent = timeRule == AutomaticChange.None ? request.RecentDownloads : 0;
        // The limit protects the customer's host from a leaked account or a runaway script; the vendor's own reads are no
        // such risk and must never lock the customer out.
        if (!request.ByStaff && recent >= rules.Limit)
        {
            return Refuse(current, timeRule, To(current, InstanceStatus.DOWNLOADERROR, TooManyDownloads, now), TooManyDownloads, rules, counts: true);
        }
        if (!request.Generate)
        {
            return request.HasLicense
                ? new DownloadDecision(current, timeRule, current, DownloadAction.Reserve, null, null, !request.ByStaff)
                : new DownloadDecision(current, timeRule, current, DownloadAction.Refuse, "License.NoneIssued", null, !request.ByStaff);
        }
        // Staff may issue a revision too (an administrator generating for a customer is what they asked for); it is the
        // vendor's act, still not one of the customer's downloads.
        var action = !request.HasLicense || request.ContentChanged ? DownloadAction.Issue : DownloadAction.Reserve;
        return new DownloadDecision(current, timeRule, current, action, null, null, !request.ByStaff);
    }

    /// <summary>A license could not be made (a damaged host key on file, an expired signing certificate): DOWNLOADERROR.</summary>
    public static InstanceState IssueFailed(InstanceState state, DateTime now) => To(state, InstanceStatus.DOWNLOADERROR, GenerationFailed, now);

    /// <summary>
    /// A license could not be made for <paramref name="request"/>: DOWNLOADERROR for the customer's request; unchanged for
    /// vendor staff, whose attempt must not start a cool-down that locks the customer's host out.
    /// </summary>
    public static InstanceState IssueFailed(InstanceState state, DownloadRequest request, DateTime now) => request.ByStaff ? state : IssueFailed(state, now);

    /// <summary>An administrator ends DOWNLOADERROR before its cool-down; refused in any other state.</summary>
    public static (InstanceState State, string? Refusal) ResetDownloadError(InstanceState state, DateTime now) =>
        state.Status != InstanceStatus.DOWNLOADERROR
            ? (state, "License.NotInDownloadError")
            : (To(state, state.ExpiresOn < DateOnly.FromDateTime(now) ? InstanceStatus.EXPIRED : InstanceStatus.TODOWNLOAD, "", now), null);

    /// <summary>When a request refused in DOWNLOADERROR can succeed: the end of the cool-down.</summary>
    public static DateTime RetryAt(InstanceState state, TimeSpan coolDown) => state.ChangedAt + coolDown;

    private static DownloadDecision Refuse(InstanceState afterTimeRule, AutomaticChange timeRule, InstanceState state, string refusal, DownloadRules rules, bool counts) =>
        new(afterTimeRule, timeRule, state, DownloadAction.Refuse, refusal, state.Status == InstanceStatus.DOWNLOADERROR ? RetryAt(state, rules.CoolDown) : null, counts);

    /// <summary>A new status; the time it changed moves only when the status does (a new reason alone keeps it).</summary>
    private static InstanceState To(InstanceState state, InstanceStatus status, string reason, DateTime now) =>
        state with { Status = status, Reason = reason, ChangedAt = status == state.Status ? state.ChangedAt : now };
}
