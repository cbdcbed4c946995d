using System.ComponentModel.DataAnnotations;

namespace LicensePortal.Options;

/// <summary>Configuration section "Webhooks": how deliveries are made and retried.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Allow deliveries to loopback, link-local and private addresses (10/8, 172.16/12, 192.168/16, fc00::/7, ...). Off by
    /// default: a webhook URL must not become a way to reach the portal's own network (server-side request forgery).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long one attempt may take, connect to last byte.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>The wait after the first failed attempt; it doubles after each further one, up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    [Range(1, 3600)]
    public int FirstRetrySeconds { get; set; } = 30;

    [Range(1, 86400)]
    public int MaxRetryDelaySeconds { get; set; } = 3600;

    /// <summary>Retries stop this long after the delivery was queued: it is then Failed (an administrator may redeliver).</summary>
    [Range(1, 720)]
    public int RetryForHours { get; set; } = 24;

    /// <summary>How often a node looks for due deliveries.</summary>
    [Range(1, 600)]
    public int PollSeconds { get; set; } = 2;
}
