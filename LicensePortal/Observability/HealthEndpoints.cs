using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LicensePortal.Observability;

/// <summary>
/// <c>/healthz/live</c>: the process answers (no checks; a restart is the cure only when this fails).
/// <c>/healthz/ready</c> (and <c>/healthz</c>, its old name): database reachable and migrated, vendor key directory
/// usable, relay listening where there are several nodes. Unhealthy answers 503; Degraded (a relay down) answers 200.
/// Both answer JSON saying which check said what, with no secrets, to anyone: a load balancer has no account.
/// </summary>
public static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IServiceCollection AddPortalHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseReadiness>("database", tags: [Ready])
            .AddCheck<VendorKeyReadiness>("vendor-keys", tags: [Ready])
            .AddCheck<RelayReadiness>("relay", tags: [Ready]);
        return services;
    }

    public static void MapPortalHealthChecks(this IEndpointRouteBuilder app)
    {
        var ready = new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync };
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/healthz/ready", ready).AllowAnonymous();
        app.MapHealthChecks("/healthz", ready).AllowAnonymous();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, JsonSerializerOptions.Web, context.RequestAborted);
    }
}
