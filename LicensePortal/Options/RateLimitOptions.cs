namespace LicensePortal.Options;

/// <summary>
/// The "RateLimits" section: fixed windows per client address and per account (sign-in, token creation), per token (API use) and per
/// user or address (license downloads). Over the limit, the answer is 429 with Retry-After.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Password attempts (the login form and POST /api/v1/tokens) per address and window.</summary>
    public int SignInPermitLimit { get; set; } = 10;

    public int SignInWindowSeconds { get; set; } = 60;

    /// <summary>
    /// Password attempts per account (normalized user name, from any number of addresses) and window, on both ways of
    /// presenting a password. Above lockout's 5 failures: it slows spraying, it does not replace lockout.
    /// </summary>
    public int AccountSignInPermitLimit { get; set; } = 20;

    public int AccountSignInWindowSeconds { get; set; } = 300;

    /// <summary>Requests per bearer token and window.</summary>
    public int TokenPermitLimit { get; set; } = 600;

    public int TokenWindowSeconds { get; set; } = 60;

    /// <summary>License downloads and generations per user (or address) and window.</summary>
    public int DownloadPermitLimit { get; set; } = 60;

    public int DownloadWindowSeconds { get; set; } = 60;
}
