using LicensePortal.Services;

namespace LicensePortal.Observability;

/// <summary>
/// The log scope of the license paths (the instance routes of the API, /upload_hostinfo, /download_license,
/// /static/license/…): who asks (<c>UserId</c>, the account's id) and for which instance (<c>InstanceName</c>, as the
/// caller wrote it), so that every line the services write while answering (a host info upload, a license issued or
/// refused, a check-in) carries them. The request id is not repeated here: the hosting layer already opens a scope with
/// <c>RequestId</c> (HttpContext.TraceIdentifier), <c>RequestPath</c>, and <c>TraceId</c>/<c>SpanId</c> of the request's
/// Activity. The console shows scopes with <c>Logging:Console:FormatterOptions:IncludeScopes=true</c> (README,
/// "Operations"). Ids and names only: never a password, token, host key or license file.
/// </summary>
public static class LicenseLogScope
{
    public const string Category = "LicensePortal.Licenses";

    private static readonly Func<ILogger, string, string, IDisposable?> UserAndInstance =
        LoggerMessage.DefineScope<string, string>("User {UserId}, instance {InstanceName}");

    private static readonly Func<ILogger, string, IDisposable?> UserOnly =
        LoggerMessage.DefineScope<string>("User {UserId}");

    /// <summary>
    /// Opens the scope around the endpoint's handler (where the services log); <paramref name="instanceName"/> reads the
    /// instance from the request (null or empty: the scope has the user only).
    /// </summary>
    public static TBuilder WithLicenseLogScope<TBuilder>(this TBuilder builder, Func<HttpContext, string?> instanceName) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(instanceName);
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (PortalActor.From(http.User) is not { } actor)
            {
                return await next(context);
            }
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
            var instance = instanceName(http);
            using (string.IsNullOrEmpty(instance) ? UserOnly(logger, actor.UserId) : UserAndInstance(logger, actor.UserId, instance))
            {
                return await next(context);
            }
        });
    }

    /// <summary>The instance of an <c>/instances/{name}</c> route.</summary>
    public static string? RouteName(HttpContext context) => context.Request.RouteValues["name"] as string;

    /// <summary>The instance of the seed's <c>?instance=</c> URLs.</summary>
    public static string? QueryInstance(HttpContext context) => context.Request.Query["instance"].Count == 1 ? context.Request.Query["instance"][0] : null;
}
