using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using LicensePortal.Accounts;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.Extensions.Options;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// One global limiter (ASP.NET Core's rate limiter) with three kinds of partitions, chained: sign-in attempts per
/// address, bearer-token use per token id, and license downloads per user or address.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddPortalRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(SignInPartition),
                PartitionedRateLimiter.Create<HttpContext, string>(TokenPartition),
                PartitionedRateLimiter.Create<HttpContext, string>(DownloadPartition));
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
        var path = context.Request.Path;
        if (HttpMethods.IsPost(context.Request.Method)
            && (path.Equals(AccountPages.Login, StringComparison.OrdinalIgnoreCase) || path.Equals("/api/v1/tokens", StringComparison.OrdinalIgnoreCase)))
        {
            var o = Options(context);
            return Window("signin:" + Address(context), o.SignInPermitLimit, o.SignInWindowSeconds);
        }
        return RateLimitPartition.GetNoLimiter("");
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
        var path = context.Request.Path.Value ?? "";
        var isDownload = path.StartsWith("/download_license", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/static/license/", StringComparison.OrdinalIgnoreCase)
            || (path.StartsWith("/api/v1/instances/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/license", StringComparison.OrdinalIgnoreCase));
        if (!isDownload)
        {
            return RateLimitPartition.GetNoLimiter("");
        }
        var o = Options(context);
        var who = context.User.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? (BearerTokenHandler.BearerValue(context.Request) is { } bearer ? ApiTokenService.TokenIdOf(bearer) : null)
            ?? Address(context);
        return Window("download:" + who, o.DownloadPermitLimit, o.DownloadWindowSeconds);
    }
}
