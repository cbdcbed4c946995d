namespace LicensePortal.Data;

/// <summary>One issued license revision of an instance. Every revision is kept, with the exact file that was served.</summary>
public sealed class LicenseRecord
{
    public long Id { get; set; }

    public int InstanceId { get; set; }

    public Instance? Instance { get; set; }

    /// <summary>1, 2, 3... per instance; a change of quotas, expiry, host or vendor key makes the next one.</summary>
    public int Revision { get; set; }

    public DateTime IssuedAt { get; set; }

    public string VendorKeyId { get; set; } = "";

    public string HostKeyFingerprint { get; set; } = "";

    /// <summary>What the license grants (quotas, expiry, host, key), so an unchanged instance re-serves the same revision.</summary>
    public string ContentKey { get; set; } = "";

    /// <summary>The license file as served: encrypted to the host, so it is no secret at rest.</summary>
    public string FileText { get; set; } = "";

    public string IssuedByUserName { get; set; } = "";

    /// <summary>
    /// Issued by vendor staff (an administrator, not the owner): the customer sees "vendor staff", not the name. Stored,
    /// not derived from the account's role, which may change later.
    /// </summary>
    public bool IssuedByStaff { get; set; }

    public List<LicenseDownload> Downloads { get; set; } = [];
}

/// <summary>One real download of a license file: who, when, from where.</summary>
public sealed class LicenseDownload
{
    public long Id { get; set; }

    public long LicenseRecordId { get; set; }

    public LicenseRecord? LicenseRecord { get; set; }

    /// <summary>Denormalized so the download window of an instance is one index range.</summary>
    public int InstanceId { get; set; }

    public string UserName { get; set; } = "";

    public DateTime At { get; set; }

    public string RemoteAddress { get; set; } = "";

    /// <summary>
    /// A vendor staff member's download (administrator or support, not the owner): not counted toward the download limit
    /// or the instance's download count; the customer sees "vendor staff" without name or address. Stored as it was at
    /// the time, since an account's role may change later.
    /// </summary>
    public bool ByStaff { get; set; }
}
