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

    /// <summary>
    /// When unset, a strong password is generated, written to <see cref="PasswordFile"/> (never to the console or the log)
    /// and must be changed at the first sign-in.
    /// </summary>
    public string? AdminPassword { get; set; }

    /// <summary>Where the generated password goes (mode 0600). Default: data/first-admin-password.txt beside the app.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The password file as an absolute path.</summary>
    public static string ResolvePasswordFile(BootstrapOptions options, IHostEnvironment environment) =>
        Path.GetFullPath(options.PasswordFile is { Length: > 0 } file ? file : Path.Combine("data", "first-admin-password.txt"), environment.ContentRootPath);
}
