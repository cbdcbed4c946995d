using System.Globalization;
using System.Threading.RateLimiting;
using LicensePortal.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// Password attempts per account, beside <see cref="RateLimits.SignIn"/>'s per address: an attacker with many addresses
/// still gets only so many guesses at one account. The rate-limiting middleware cannot do this (the account is in the
/// body), so both ways of presenting a password (the sign-in page and POST /api/v1/tokens) ask here after reading the
/// user name. Lockout stays Identity's; this only slows guessing, including guessing of unknown names.
/// </summary>
public sealed class AccountSignInLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    // Identity's own normalizer is scoped; its rule (the upper-invariant form) is all a partition key needs.
    private readonly UpperInvariantLookupNormalizer _normalizer = new();

    public AccountSignInLimit(IOptions<RateLimitOptions> options)
    {
        var o = options.Value;
        // Idle partitions (a full window again) are dropped by the limiter itself, so sprayed names do not pile up.
        _limiter = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetFixedWindowLimiter(account, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, o.AccountSignInPermitLimit),
            Window = TimeSpan.FromSeconds(Math.Max(1, o.AccountSignInWindowSeconds)),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>
    /// Counts one attempt at the account named <paramref name="userName"/> (the user name of the account it resolves to,
    /// so its e-mail and its name share one count). Null when allowed; otherwise how long to wait.
    /// </summary>
    public TimeSpan? TryAttempt(string userName)
    {
        var key = _normalizer.NormalizeName(userName.Trim()) ?? "";
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(60);
    }

    /// <summary>Sets Retry-After (whole seconds, at least 1) for a refused attempt.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    public void Dispose() => _limiter.Dispose();
}
