using System.Net;

namespace LicensePortal.Options;

/// <summary>
/// Configuration section "Metrics": who may read <c>GET /metrics</c> (Prometheus text). The numbers say how much the vendor
/// licenses and to whom it refuses what; they are for the monitoring system, not for customers. Addresses are those the
/// portal sees after <see cref="ReverseProxyOptions"/>: behind a known proxy, the client's own.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Where nothing is configured: this host only.</summary>
    public static readonly string[] Loopback = ["127.0.0.0/8", "::1/128"];

    /// <summary>
    /// CIDR networks whose clients may scrape, e.g. ["10.0.0.0/24"]; unset: <see cref="Loopback"/>. (Null rather than a
    /// default list: the configuration binder adds configured entries to an array's defaults instead of replacing them.)
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    public IReadOnlyList<string> EffectiveNetworks => AllowedNetworks is { Length: > 0 } configured ? configured : Loopback;

    public static bool IsValid(MetricsOptions o) => o.EffectiveNetworks.All(n => IPNetwork.TryParse(n, out _));
}
