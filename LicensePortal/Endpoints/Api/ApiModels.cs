using LicensePortal.Services;

namespace LicensePortal.Endpoints.Api;

/// <summary>A page of a listing: the items, the total across all pages, and the page asked for (zero-based).</summary>
public sealed record PageDto<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize);

/// <summary>An account. <c>role</c> is Administrator, Support or User.</summary>
public sealed record UserDto(
    string Id, string UserName, string Email, string Phone, string Organization, string OsAuthUrl, string Role,
    bool IsActive, bool Confirmed, bool MustChangePassword, int InstanceCount, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static UserDto From(UserRow u) =>
        new(u.Id, u.UserName, u.Email, u.Phone, u.Organization, u.OsAuthUrl, u.Role, u.IsActive, u.Confirmed, u.MustChangePassword, u.InstanceCount, u.CreatedAt, u.UpdatedAt);
}

/// <summary>A created account; <c>initialPassword</c> is set (this once) when no password was given.</summary>
public sealed record CreatedUserDto(UserDto User, string? InitialPassword);

/// <summary>An account to create or change. On update, a field left out keeps its value; <c>password</c> only on create.</summary>
public sealed record UserRequest(
    string? UserName, string? Email, string? Phone, string? Organization, string? OsAuthUrl, string? Role,
    bool? IsActive, bool? Confirmed, string? Password);

public sealed record UserStatusRequest(bool IsActive);

public sealed record DeleteUsersRequest(IReadOnlyList<string>? Ids);

public sealed record DeleteInstancesRequest(IReadOnlyList<string>? Names);

/// <summary>One item of a bulk delete; <c>code</c> and <c>detail</c> say why it failed.</summary>
public sealed record BulkItemDto(string Key, bool Succeeded, string? Code, string? Detail);

public sealed record BulkResultDto(IReadOnlyList<BulkItemDto> Results);

/// <summary>
/// An instance. <c>status</c> is TOUPLOAD, INFOERROR, TODOWNLOAD, DOWNLOADERROR or EXPIRED. <c>lastSeenAt</c> is the host
/// agent's last check-in (UTC, null: never), with the license revision it reported installed (null: none) and its version.
/// </summary>
public sealed record InstanceDto(
    string Name, string OwnerId, string OwnerUserName, int MaxDesktops, int MaxImages, int MaxUsers, int MaxVcpus, int MaxVmemGib,
    int MaxVdiskGib, DateOnly ExpiresAt, string Status, string StatusReason, string Mac, string SerialNumber, int DownloadCount,
    DateTime CreatedAt, DateTime UpdatedAt, Guid Version, DateTime? LastSeenAt, int? LastSeenRevision, string AgentVersion)
{
    public static InstanceDto From(InstanceRow i) =>
        new(i.Name, i.OwnerId, i.OwnerUserName, i.MaxDesktops, i.MaxImages, i.MaxUsers, i.MaxVcpus, i.MaxVmemGib, i.MaxVdiskGib, i.ExpiresOn,
            i.Status.ToString(), i.StatusReason, i.Mac, i.SerialNumber, i.DownloadCount, i.CreatedAt, i.UpdatedAt, i.Version,
            i.LastSeenAt, i.LastSeenRevision, i.LastSeenAgentVersion);
}

/// <summary>
/// An instance to create (name, ownerId, quotas, expiresAt) or change (quotas, expiresAt; a field left out keeps its
/// value). <c>version</c>, when given on update, must match the stored one or the answer is 409 with the current values.
/// </summary>
public sealed record InstanceRequest(
    string? Name, string? OwnerId, int? MaxDesktops, int? MaxImages, int? MaxUsers, int? MaxVcpus, int? MaxVmemGib, int? MaxVdiskGib,
    DateOnly? ExpiresAt, Guid? Version);

/// <summary>What became of an uploaded host info file.</summary>
public sealed record HostInfoResultDto(bool Accepted, string Status, string? Reason, string Message, InstanceDto Instance);

public sealed record LicenseHistoryDto(int Revision, DateTime IssuedAt, string VendorKeyId, string HostKeyFingerprint, string IssuedBy, IReadOnlyList<LicenseDownloadEntry> Downloads);

/// <summary>
/// A signing key as listed: its public key file, the vendor root hosts trust it through (<c>rootKeyId</c>, the root's
/// 64-hex <c>rootFingerprint</c>, served at /vendor-root.pub), and its certificate's validity (null while
/// <c>certified</c> is false: a request awaiting its certificate).
/// </summary>
public sealed record VendorKeyDto(string KeyId, DateTime CreatedAt, bool IsCurrent, string PublicKey, string Url,
    string RootKeyId, string RootFingerprint, bool Certified, DateTime? ValidFrom, DateTime? ValidUntil);

/// <summary>POST /api/v1/tokens: a user name (or e-mail) and password for a new personal token.</summary>
public sealed record PasswordTokenRequest(string? UserName, string? Password, string? Name, int? ExpiresInDays);

public sealed record ActivationTokenRequest(int? ExpiresInDays);

/// <summary>A token as listed: never its secret. <c>prefix</c> is its non-secret start; <c>name</c> is the instance for activation tokens.</summary>
public sealed record TokenDto(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt, string CreatedBy)
{
    public static TokenDto From(TokenInfo t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt, t.CreatedBy);
}

/// <summary>A new token; <c>token</c> is the secret, shown this once.</summary>
public sealed record CreatedTokenDto(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime ExpiresAt, string Token)
{
    public static CreatedTokenDto From(CreatedToken t) => new(t.Token.Id, t.Token.Name, t.Token.Prefix, t.Token.CreatedAt, t.Token.ExpiresAt, t.Secret);
}
