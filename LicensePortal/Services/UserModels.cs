namespace LicensePortal.Services;

public enum UserSort
{
    UserName,
    Email,
    Organization,
    CreatedAt,
}

/// <summary>One page request of the users grid. <see cref="Page"/> is zero-based; <see cref="Search"/> matches the start of user name, email or organization.</summary>
public sealed record UserQuery(int Page = 0, int PageSize = 25, string? Search = null, UserSort SortBy = UserSort.UserName, bool Descending = false);

/// <summary>
/// An account as the users grid shows it. <see cref="Version"/> is Identity's concurrency stamp as read: opaque, new on
/// every change of the account (by an administrator or by the user), and what an update must name to be accepted.
/// </summary>
public sealed record UserRow(
    string Id,
    string UserName,
    string Email,
    string Phone,
    string Organization,
    string OsAuthUrl,
    string Role,
    bool IsActive,
    bool Confirmed,
    bool MustChangePassword,
    int InstanceCount,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    string Version)
{
    /// <summary>The language of the account's e-mail (Email/MailCultures).</summary>
    public string Language { get; init; } = LicensePortal.Email.MailCultures.Default;
}

/// <summary>
/// What an administrator types for an account. Password only on create; empty means "generate one". Language null:
/// unchanged (the portal's default for a new account).
/// </summary>
public sealed record UserInput(
    string UserName,
    string? Email,
    string? Phone,
    string? Organization,
    string? OsAuthUrl,
    string Role,
    bool IsActive = true,
    bool Confirmed = false,
    string? Language = null);

/// <summary>A created account, and the generated password to show the administrator once (null when they typed one).</summary>
public sealed record CreatedUser(UserRow User, string? InitialPassword);

/// <summary>What deleting an account takes with it, for the confirmation.</summary>
public sealed record UserDeletionPreview(string UserId, string UserName, IReadOnlyList<string> InstanceNames);
