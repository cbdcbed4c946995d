namespace LicensePortal.Data;

/// <summary>A customer deployment with its quotas and expiry (the seed's Instance).</summary>
public sealed class Instance
{
    public const int NameMaxLength = 64;

    public int Id { get; set; }

    /// <summary>The seed's instancename: letters, digits, '-', '_', '.'; unique ignoring case.</summary>
    public string Name { get; set; } = "";

    /// <summary>Upper-invariant copy of <see cref="Name"/>; carries the case-insensitive unique index on every provider.</summary>
    public string NormalizedName { get; set; } = "";

    public string OwnerId { get; set; } = "";

    public PortalUser? Owner { get; set; }

    /// <summary>max_vm: concurrent desktops.</summary>
    public int MaxDesktops { get; set; }

    /// <summary>max_image.</summary>
    public int MaxImages { get; set; }

    /// <summary>max_user: concurrent users.</summary>
    public int MaxUsers { get; set; }

    /// <summary>max_vcpu.</summary>
    public int MaxVcpus { get; set; }

    /// <summary>max_vmem, in GiB.</summary>
    public int MaxVmemGib { get; set; }

    /// <summary>max_vdisk, in GiB.</summary>
    public int MaxVdiskGib { get; set; }

    public InstanceStatus Status { get; set; } = InstanceStatus.TOUPLOAD;

    /// <summary>Why the instance is in its state, when that needs saying (the INFOERROR reason, for one).</summary>
    public string StatusReason { get; set; } = "";

    /// <summary>
    /// The seed's expired_time, as the last day the license is valid (UTC). The license file carries it as YYYY-MM-DD;
    /// the instance is EXPIRED from the next day on.
    /// </summary>
    public DateOnly ExpiresOn { get; set; }

    public string Mac { get; set; } = "";

    public string SerialNumber { get; set; } = "";

    /// <summary>The host info file's check code (the host's signature over the file).</summary>
    public string CheckCode { get; set; } = "";

    /// <summary>The host's public keys from its host info file.</summary>
    public string PublicKey { get; set; } = "";

    /// <summary>When <see cref="Status"/> last changed (the DOWNLOADERROR cool-down counts from here).</summary>
    public DateTime StatusChangedAt { get; set; }

    /// <summary>When the host info now on file was uploaded; null before the first valid upload.</summary>
    public DateTime? HostInfoUploadedAt { get; set; }

    /// <summary>The host key fingerprint from the host info on file.</summary>
    public string HostKeyFingerprint { get; set; } = "";

    /// <summary>
    /// Every identifier of the host info on file, canonical <c>kind value</c> lines joined by LF (MACs, DMI serial and UUID,
    /// machine id); a license records them, and needs all but <see cref="HostIdentifierTolerance"/> of them on the host.
    /// </summary>
    public string HostIdentifiers { get; set; } = "";

    /// <summary>How many recorded host identifiers may be missing on the host before its license stops (0: strict). Set by administrators.</summary>
    public int HostIdentifierTolerance { get; set; } = DefaultHostIdentifierTolerance;

    /// <summary>All but one identifier must match: one replaced network card keeps the license.</summary>
    public const int DefaultHostIdentifierTolerance = 1;

    /// <summary>Most identifiers a tolerance may leave out (a license still needs at least one).</summary>
    public const int MaxHostIdentifierTolerance = 4;

    /// <summary>
    /// A valid host info file for another host key, waiting for an administrator to approve the move (controlled
    /// rebinding); empty when none. The instance stays bound to its current host until then.
    /// </summary>
    public string PendingHostInfo { get; set; } = "";

    /// <summary>When the pending host info was uploaded.</summary>
    public DateTime? PendingHostAt { get; set; }

    /// <summary>Who uploaded the pending host info (user name, or the activation token's name).</summary>
    public string PendingHostBy { get; set; } = "";

    /// <summary>When the host agent last checked in (renew); null if it never did.</summary>
    public DateTime? LastSeenAt { get; set; }

    /// <summary>The license revision the host reported as installed at its last check-in.</summary>
    public int? LastSeenRevision { get; set; }

    /// <summary>The host agent's version at its last check-in.</summary>
    public string LastSeenAgentVersion { get; set; } = "";

    /// <summary>The seed's download counter: real license downloads.</summary>
    public int DownloadCount { get; set; }

    /// <summary>
    /// Downloads counted by the first-generation system before the instance was imported (its download column), kept as
    /// history apart from <see cref="DownloadCount"/> so a re-import never counts them twice.
    /// </summary>
    public int ImportedDownloadCount { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<LicenseRecord> Licenses { get; set; } = [];

    /// <summary>Application-managed concurrency token: SQLite has no database-generated row version.</summary>
    public Guid Version { get; set; }
}
