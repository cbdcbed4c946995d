namespace LicensePortal.Data;

/// <summary>
/// A personal API token: its owner acts through it with their current role. Only a SHA-256 hash of the secret is kept;
/// <see cref="TokenId"/> is the non-secret middle of the token ("lpat_&lt;TokenId&gt;_&lt;secret&gt;") and finds the row by index.
/// </summary>
public sealed class ApiToken
{
    public const int NameMaxLength = 64;

    public int Id { get; set; }

    public string TokenId { get; set; } = "";

    public string OwnerId { get; set; } = "";

    public PortalUser? Owner { get; set; }

    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the secret part, 32 bytes.</summary>
    public byte[] SecretHash { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

/// <summary>
/// A per-instance activation token ("lpact_&lt;TokenId&gt;_&lt;secret&gt;"): it may only upload host info for its instance and fetch
/// that instance's license. Stored as a hash like <see cref="ApiToken"/>.
/// </summary>
public sealed class ActivationToken
{
    public int Id { get; set; }

    public string TokenId { get; set; } = "";

    public int InstanceId { get; set; }

    public Instance? Instance { get; set; }

    /// <summary>SHA-256 of the secret part, 32 bytes.</summary>
    public byte[] SecretHash { get; set; } = [];

    public string CreatedByUserName { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
