using System.Net;

namespace LicensePortal.Options;

/// <summary>
/// Configuration section "ForwardedHeaders": the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto the portal
/// believes. Only a connection from one of these may name the client's address (what the rate limits and the audit trail
/// see) and the scheme (HTTPS: Secure cookies, HSTS). Empty (the default): nobody may, not even loopback.
/// </summary>
public sealed class ReverseProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of the proxies, e.g. ["10.0.0.5", "::1"].</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of the proxies in CIDR notation, e.g. ["10.0.0.0/24"].</summary>
    public string[] KnownNetworks { get; set; } = [];

    public static bool IsValid(ReverseProxyOptions o) =>
        o.KnownProxies.All(p => IPAddress.TryParse(p, out _)) && o.KnownNetworks.All(n => IPNetwork.TryParse(n, out _));
}
