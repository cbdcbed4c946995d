using System.ComponentModel.DataAnnotations;

namespace LicensePortal.Options;

/// <summary>Configuration section "Bootstrap": the first administrator, created on first run when no administrator exists.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    [Required, StringLength(64, MinimumLength = 1)]
    public string AdminUserName { get; set; } = "admin";

    [EmailAddress]
    public string? AdminEmail { get; set; }

    /// <summary>When unset, a strong password is generated and printed once to the console.</summary>
    public string? AdminPassword { get; set; }
}
