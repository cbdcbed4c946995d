using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>What the instances grid may sort by.</summary>
public enum InstanceSort
{
    Name,
    Status,
    ExpiresOn,
    CreatedAt,
    UpdatedAt,
    DownloadCount,
}

/// <summary>
/// One page request of the instances grid. <see cref="Page"/> is zero-based. <see cref="NotSeenForDays"/>: only instances
/// whose host last checked in more than that many days ago (<see cref="HostCheckInRules.NotSeenFor"/>).
/// </summary>
public sealed record InstanceQuery(
    int Page = 0,
    int PageSize = 25,
    InstanceStatus? Status = null,
    string? OwnerUserName = null,
    string? NamePrefix = null,
    InstanceSort SortBy = InstanceSort.Name,
    bool Descending = false,
    int? NotSeenForDays = null);

/// <summary>An instance as lists and editors show it. Mutable so the grid can edit it in place before saving.</summary>
public sealed class InstanceRow
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string OwnerId { get; set; } = "";
    public string OwnerUserName { get; set; } = "";
    public int MaxDesktops { get; set; }
    public int MaxImages { get; set; }
    public int MaxUsers { get; set; }
    public int MaxVcpus { get; set; }
    public int MaxVmemGib { get; set; }
    public int MaxVdiskGib { get; set; }
    public InstanceStatus Status { get; set; }
    public string StatusReason { get; set; } = "";

    /// <summary>Since when the instance is in its state (a download pause ends a cool-down after this).</summary>
    public DateTime StatusChangedAt { get; set; }

    public DateOnly ExpiresOn { get; set; }
    public string Mac { get; set; } = "";
    public string SerialNumber { get; set; } = "";
    public int DownloadCount { get; set; }

    /// <summary>The host's identifiers on file, canonical lines joined by LF (<see cref="HostIdentifierList"/>).</summary>
    public string HostIdentifiers { get; set; } = "";

    /// <summary>How many recorded host identifiers a license lets go missing.</summary>
    public int HostIdentifierTolerance { get; set; }

    /// <summary>A rebind request waits for an administrator (shown with the state; not a state of its own).</summary>
    public bool RebindPending { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public Guid Version { get; set; }
    public DateTime? LastSeenAt { get; set; }
    public int? LastSeenRevision { get; set; }
    public string LastSeenAgentVersion { get; set; } = "";

    /// <summary>The editable part, for a save that carries the version it was read at.</summary>
    public InstanceQuotas ToQuotas() => new(MaxDesktops, MaxImages, MaxUsers, MaxVcpus, MaxVmemGib, MaxVdiskGib, ExpiresOn);

    public InstanceRow Clone() => (InstanceRow)MemberwiseClone();

    /// <summary>Takes every value of a newer read of the same instance, keeping this object (and so its identity in a grid).</summary>
    public void CopyFrom(InstanceRow newer)
    {
        (Id, Name, OwnerId, OwnerUserName) = (newer.Id, newer.Name, newer.OwnerId, newer.OwnerUserName);
        (MaxDesktops, MaxImages, MaxUsers, MaxVcpus, MaxVmemGib, MaxVdiskGib) =
            (newer.MaxDesktops, newer.MaxImages, newer.MaxUsers, newer.MaxVcpus, newer.MaxVmemGib, newer.MaxVdiskGib);
        (Status, StatusReason, StatusChangedAt, ExpiresOn, Mac, SerialNumber, DownloadCount) =
            (newer.Status, newer.StatusReason, newer.StatusChangedAt, newer.ExpiresOn, newer.Mac, newer.SerialNumber, newer.DownloadCount);
        (HostIdentifiers, HostIdentifierTolerance, RebindPending) = (newer.HostIdentifiers, newer.HostIdentifierTolerance, newer.RebindPending);
        (CreatedAt, UpdatedAt, Version) = (newer.CreatedAt, newer.UpdatedAt, newer.Version);
        (LastSeenAt, LastSeenRevision, LastSeenAgentVersion) = (newer.LastSeenAt, newer.LastSeenRevision, newer.LastSeenAgentVersion);
    }
}

/// <summary>The quotas and expiry an administrator sets.</summary>
public sealed record InstanceQuotas(int MaxDesktops, int MaxImages, int MaxUsers, int MaxVcpus, int MaxVmemGib, int MaxVdiskGib, DateOnly ExpiresOn);

/// <summary>A new instance: its name, its owner, and its quotas.</summary>
public sealed record NewInstance(string Name, string OwnerId, InstanceQuotas Quotas);
