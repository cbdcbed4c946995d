namespace LicensePortal.Services;

/// <summary>A token as lists show it: never its secret, only the non-secret prefix that names it.</summary>
public sealed record TokenInfo(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt, string CreatedBy)
{
    public bool IsActiveAt(DateTime now) => RevokedAt is null && ExpiresAt > now;
}

/// <summary>A new token and its secret, which is shown this once and never stored.</summary>
public sealed record CreatedToken(TokenInfo Token, string Secret);

/// <summary>
/// Who a valid bearer token stands for. For an activation token, <see cref="ActivationInstance"/> is the normalized
/// name of the one instance it may act on, and the user is that instance's owner.
/// </summary>
public sealed record TokenIdentity(string UserId, string UserName, string Role, string TokenId, string? ActivationInstance);
