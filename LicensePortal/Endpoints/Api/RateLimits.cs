using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.Extensions.Options;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// ASP.NET Core's rate limiter: two named policies that endpoints ask for (<see cref="SignIn"/>: sign-in attempts per
/// address, on the sign-in page and the password-for-token exchange, which also count per account in
/// <see cref="AccountSignInLimit"/>; <see cref="Download"/>: license downloads per user,
/// token or address, on the seed's download URLs and the API's), and one global limiter for what is not an endpoint's
/// choice: every use of a bearer token counts against its token id, wherever it is sent.
/// </summary>
public static class RateLimits
{
    /// <summary>The policy of sign-in attempts (POSTs only: showing the form costs nothing).</summary>
    public const string SignIn = "signin";

    /// <summary>The policy of license downloads.</summary>
    public const string Download = "download";

    public static IServiceCollection AddPortalRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section);
        services.AddSingleton<AccountSignInLimit>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignIn, SignInPartition);
            o.AddPolicy(Download, DownloadPartition);
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(TokenPartition);
            o.OnRejected = (context, _) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 60;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LicensePortal.RateLimits")
                    .LogWarning("Rate limit hit on {Method} {Path}", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }

    private static RateLimitOptions Options(HttpContext context) => context.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitOptions>>().CurrentValue;

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "local";

    private static RateLimitPartition<string> Window(string key, int permits, int seconds) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, permits),
            Window = TimeSpan.FromSeconds(Math.Max(1, seconds)),
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static RateLimitPartition<string> SignInPartition(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("");
        }
        var o = Options(context);
        return Window("signin:" + Address(context), o.SignInPermitLimit, o.SignInWindowSeconds);
    }

    private static RateLimitPartition<string> TokenPartition(HttpContext context)
    {
        var bearer = BearerTokenHandler.BearerValue(context.Request);
        if (bearer is null)
        {
            return RateLimitPartition.GetNoLimiter("");
        }
        var o = Options(context);
        // The non-secret id; a malformed token shares its address's partition.
        return Window("token:" + (ApiTokenService.TokenIdOf(bearer) ?? Address(context)), o.TokenPermitLimit, o.TokenWindowSeconds);
    }

    private static RateLimitPartition<string> DownloadPartition(HttpContext context)
    {
        var o = Options(context);
        var who = context.User.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? (BearerTokenHandler.BearerValue(context.Request) is { } bearer ? ApiTokenService.TokenIdOf(bearer) : null)
            ?? Address(context);
        return Window("download:" + who, o.DownloadPermitLimit, o.DownloadWindowSeconds);
    }
}
