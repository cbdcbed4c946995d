using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>
/// What became of an uploaded host info file: bound (<see cref="Accepted"/>: TODOWNLOAD, or EXPIRED if the instance is),
/// held for an administrator's approval as a rebind request (<see cref="Pending"/>: nothing else changed), or rejected as
/// tampered (INFOERROR, <see cref="ReasonCode"/>). <see cref="Binding"/> is null for a rejected file.
/// </summary>
public sealed record HostInfoOutcome(HostInfoBinding? Binding, InstanceStatus Status, string? ReasonCode, InstanceRow Instance)
{
    /// <summary>The file's host is now the instance's host (the first binding, the same host key, or an automatic rebind).</summary>
    public bool Accepted => Binding is HostInfoBinding.Bind or HostInfoBinding.AutomaticRebind;

    /// <summary>A valid file for another host: kept as the pending host; the current host stays bound until an administrator approves.</summary>
    public bool Pending => Binding == HostInfoBinding.HoldForApproval;

    /// <summary>The resource key of the outcome's message: the rejection's reason, or bound, rebound automatically, waiting for approval.</summary>
    public string MessageCode => ReasonCode ?? Binding switch
    {
        HostInfoBinding.HoldForApproval => "HostInfo.RebindPending",
        HostInfoBinding.AutomaticRebind => "HostInfo.Rebound",
        _ => "HostInfo.Accepted",
    };
}

/// <summary>A license file ready to send: the seed's file name &lt;INSTANCENAME&gt;_LICENSE and its text.</summary>
public sealed record LicenseDownloadFile(string FileName, string FileText, int Revision, bool NewRevision);

/// <summary>
/// One revision of an instance's license, with its downloads. <paramref name="IssuedBy"/> is null when vendor staff
/// issued it and the viewer is the customer (shown as "vendor staff").
/// </summary>
public sealed record LicenseHistoryEntry(int Revision, DateTime IssuedAt, string VendorKeyId, string HostKeyFingerprint, string? IssuedBy,
    IReadOnlyList<LicenseDownloadEntry> Downloads, bool IssuedByStaff = false);

/// <summary>
/// One download of a revision. A vendor staff member's download (<paramref name="ByStaff"/>) did not count toward the
/// limit; to the customer its name and address are null (shown as "vendor staff"), staff see them.
/// </summary>
public sealed record LicenseDownloadEntry(string? UserName, DateTime At, string? RemoteAddress, bool ByStaff = false);

/// <summary>The host details on file for an instance.</summary>
public sealed record HostDetails(string Mac, string SerialNumber, string HostKeyFingerprint, string CheckCode, DateTime? UploadedAt);
