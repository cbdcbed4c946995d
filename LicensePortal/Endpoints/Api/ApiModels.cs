using LicensePortal.Services;

namespace LicensePortal.Endpoints.Api;

/// <summary>A page of a listing: the items, the total across all pages, and the page asked for (zero-based).</summary>
public sealed record PageDto<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize);

/// <summary>
/// An account. <c>role</c> is Administrator, Support or User. <c>version</c> is opaque and changes with every change of
/// the account; send it back with an update to have a change made since your read refused (409) instead of overwritten.
/// </summary>
public sealed record UserDto(
    string Id, string UserName, string Email, string Phone, string Organization, string OsAuthUrl, string Role,
    bool IsActive, bool Confirmed, bool MustChangePassword, int InstanceCount, DateTime CreatedAt, DateTime UpdatedAt, string Version, string Language)
{
    public static UserDto From(UserRow u) =>
        new(u.Id, u.UserName, u.Email, u.Phone, u.Organization, u.OsAuthUrl, u.Role, u.IsActive, u.Confirmed, u.MustChangePassword, u.InstanceCount, u.CreatedAt, u.UpdatedAt, u.Version, u.Language);
}

/// <summary>A created account; <c>initialPassword</c> is set (this once) when no password was given.</summary>
public sealed record CreatedUserDto(UserDto User, string? InitialPassword);

/// <summary>
/// An account to create or change. On update, a field left out keeps its value; <c>password</c> only on create.
/// <c>language</c> is the language of the account's e-mail, <c>zh-Hans</c> (the default) or <c>en</c>.
/// <c>version</c>, when given on update, must match the stored one or the answer is 409 with the current values.
/// </summary>
public sealed record UserRequest(
    string? UserName, string? Email, string? Phone, string? Organization, string? OsAuthUrl, string? Role,
    bool? IsActive, bool? Confirmed, string? Password, string? Version, string? Language = null);

/// <summary>Activate or deactivate an account. <c>version</c>, when given, must match the stored one (as on update).</summary>
public sealed record UserStatusRequest(bool IsActive, string? Version);

public sealed record DeleteUsersRequest(IReadOnlyList<string>? Ids);

public sealed record DeleteInstancesRequest(IReadOnlyList<string>? Names);

/// <summary>One item of a bulk delete; <c>code</c> and <c>detail</c> say why it failed.</summary>
public sealed record BulkItemDto(string Key, bool Succeeded, string? Code, string? Detail);

public sealed record BulkResultDto(IReadOnlyList<BulkItemDto> Results);

/// <summary>
/// An instance. <c>status</c> is TOUPLOAD, INFOERROR, TODOWNLOAD, DOWNLOADERROR or EXPIRED. <c>hostIdentifiers</c> are the
/// host's identifiers on file (<c>kind value</c>), of which a license needs all but <c>hostIdentifierTolerance</c>;
/// <c>rebindPending</c>: a valid host info file for another host waits for an administrator (details: GET /instances/{name}).
/// <c>lastSeenAt</c> is the host agent's last check-in (UTC, null: never), with the license revision it reported
/// installed (null: none) and its version.
/// </summary>
public record InstanceDto(
    string Name, string OwnerId, string OwnerUserName, int MaxDesktops, int MaxImages, int MaxUsers, int MaxVcpus, int MaxVmemGib,
    int MaxVdiskGib, DateOnly ExpiresAt, string Status, string StatusReason, string Mac, string SerialNumber, int DownloadCount,
    DateTime CreatedAt, DateTime UpdatedAt, Guid Version, IReadOnlyList<string> HostIdentifiers, int HostIdentifierTolerance, bool RebindPending,
    DateTime? LastSeenAt, int? LastSeenRevision, string AgentVersion)
{
    public static InstanceDto From(InstanceRow i) =>
        new(i.Name, i.OwnerId, i.OwnerUserName, i.MaxDesktops, i.MaxImages, i.MaxUsers, i.MaxVcpus, i.MaxVmemGib, i.MaxVdiskGib, i.ExpiresOn,
            i.Status.ToString(), i.StatusReason, i.Mac, i.SerialNumber, i.DownloadCount, i.CreatedAt, i.UpdatedAt, i.Version,
            HostIdentifierList.OnFile(i.HostIdentifiers, i.Mac, i.SerialNumber).Select(h => h.ToString()).ToList(), i.HostIdentifierTolerance, i.RebindPending,
            i.LastSeenAt, i.LastSeenRevision, i.LastSeenAgentVersion);
}

/// <summary>
/// One instance with its host binding: every field of an instance and <c>pendingHost</c>, the host of a rebind request
/// waiting for an administrator (null when none). Approve or deny it at /instances/{name}/pending-host/approve or /deny.
/// </summary>
public sealed record InstanceDetailDto : InstanceDto
{
    public InstanceDetailDto(InstanceDto instance, PendingHostDto? pendingHost) : base(instance) => PendingHost = pendingHost;

    public PendingHostDto? PendingHost { get; init; }

    public static InstanceDetailDto From(HostBindingView view) => new(InstanceDto.From(view.Instance), PendingHostDto.From(view.Pending));
}

/// <summary>
/// A pending host: its host key <c>fingerprint</c>, primary <c>mac</c>, <c>serial</c>, every identifier (<c>kind value</c>),
/// when and by whom (user name, or the activation token's account) its host info file was uploaded.
/// </summary>
public sealed record PendingHostDto(string Fingerprint, string Mac, string Serial, IReadOnlyList<string> Identifiers, DateTime UploadedAt, string UploadedBy)
{
    public static PendingHostDto? From(PendingHost? p) =>
        p is null ? null : new(p.HostKeyFingerprint, p.Mac, p.SerialNumber, p.Identifiers.Select(h => h.ToString()).ToList(), p.UploadedAt, p.UploadedBy);
}

/// <summary>
/// Approve or deny the pending host. <c>fingerprint</c> (optional): the pending host key fingerprint the decision is about;
/// when the pending host is another one by now (a newer request replaced it), the answer is 409 HostBinding.PendingHostChanged.
/// </summary>
public sealed record PendingHostDecisionRequest(string? Fingerprint);

/// <summary>How many recorded host identifiers a license lets go missing: 0 (strict) to 4; the next license carries it.</summary>
public sealed record HostIdentifierToleranceRequest(int? HostIdentifierTolerance);

/// <summary>
/// An instance to create (name, ownerId, quotas, expiresAt) or change (quotas, expiresAt; a field left out keeps its
/// value). <c>version</c>, when given on update, must match the stored one or the answer is 409 with the current values.
/// </summary>
public sealed record InstanceRequest(
    string? Name, string? OwnerId, int? MaxDesktops, int? MaxImages, int? MaxUsers, int? MaxVcpus, int? MaxVmemGib, int? MaxVdiskGib,
    DateOnly? ExpiresAt, Guid? Version);

/// <summary>
/// What became of an uploaded host info file: <c>accepted</c> (the file's host is the instance's host now) or
/// <c>pending</c> (a rebind request: the instance stays on its current host until an administrator approves).
/// </summary>
public sealed record HostInfoResultDto(bool Accepted, bool Pending, string Status, string? Reason, string Message, InstanceDto Instance);

/// <summary>
/// One license revision with its downloads. <c>issuedByStaff</c>: vendor staff issued it; a customer then sees
/// <c>issuedBy</c> as "vendor staff" in their language, not the name.
/// </summary>
public sealed record LicenseHistoryDto(int Revision, DateTime IssuedAt, string VendorKeyId, string HostKeyFingerprint, string IssuedBy, bool IssuedByStaff,
    IReadOnlyList<LicenseDownloadDto> Downloads)
{
    public static LicenseHistoryDto From(LicenseHistoryEntry entry, Microsoft.Extensions.Localization.IStringLocalizer<Resources.SharedResource> text) =>
        new(entry.Revision, entry.IssuedAt, entry.VendorKeyId, entry.HostKeyFingerprint, entry.IssuedBy ?? text["License.VendorStaff"], entry.IssuedByStaff,
            entry.Downloads.Select(d => new LicenseDownloadDto(d.UserName ?? text["License.VendorStaff"], d.At, d.RemoteAddress, d.ByStaff)).ToList());
}

/// <summary>
/// One download. <c>byStaff</c>: a vendor staff member's, which did not count toward the download limit; a customer sees
/// its <c>userName</c> as "vendor staff" in their language and its <c>remoteAddress</c> as null.
/// </summary>
public sealed record LicenseDownloadDto(string UserName, DateTime At, string? RemoteAddress, bool ByStaff);

/// <summary>
/// A signing key as listed: its public key file, the vendor root hosts trust it through (<c>rootKeyId</c>, the root's
/// 64-hex <c>rootFingerprint</c>, served at /vendor-root.pub), and its certificate's validity (null while
/// <c>certified</c> is false: a request awaiting its certificate).
/// </summary>
public sealed record VendorKeyDto(string KeyId, DateTime CreatedAt, bool IsCurrent, string PublicKey, string Url,
    string RootKeyId, string RootFingerprint, bool Certified, DateTime? ValidFrom, DateTime? ValidUntil);

/// <summary>
/// POST /api/v1/tokens: a user name (or e-mail) and password for a new personal token; <c>totp</c>, the current 6-digit
/// code of the authenticator app, when the account has two-factor sign-in.
/// </summary>
public sealed record PasswordTokenRequest(string? UserName, string? Password, string? Name, int? ExpiresInDays, string? Totp);

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
