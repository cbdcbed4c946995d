using System.Net;
using LicensePortal.Options;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace LicensePortal.Observability;

/// <summary>
/// OpenTelemetry metrics: the portal's meter (<see cref="PortalMetrics"/>, <see cref="InstanceCounts"/>), ASP.NET Core's
/// and Kestrel's HTTP server metrics and the runtime's, exported in Prometheus text at <c>GET /metrics</c> to the networks
/// in <see cref="MetricsOptions.AllowedNetworks"/> only.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    public static IServiceCollection AddPortalMetrics(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section)
            .Validate(MetricsOptions.IsValid, "Metrics:AllowedNetworks must be CIDR networks (10.0.0.0/24, ::1/128).").ValidateOnStart();
        services.AddSingleton<PortalMetrics>();
        services.AddSingleton<InstanceCounts>();
        services.AddScoped<CircuitHandler, OpenCircuits>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PortalMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> for allowed clients; anyone else gets what a path that does not exist gets (nothing says metrics
    /// are there). Placed after the forwarded headers, so behind a known proxy the client's own address counts.
    /// </summary>
    public static IApplicationBuilder UsePortalMetrics(this IApplicationBuilder app)
    {
        // Made before the first scrape: the gauge registers its callback with the meter when it is created.
        _ = app.ApplicationServices.GetRequiredService<InstanceCounts>();
        var options = app.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value;
        var allowed = options.EffectiveNetworks.Select(n => IPNetwork.Parse(n)).ToArray();
        return app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase) && IsAllowed(context.Connection.RemoteIpAddress, allowed));
    }

    private static bool IsAllowed(IPAddress? address, IPNetwork[] allowed)
    {
        if (address is null)
        {
            return false;
        }
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return allowed.Any(n => n.Contains(plain));
    }
}
