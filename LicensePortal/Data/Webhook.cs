using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Data;

/// <summary>
/// Where the portal sends signed event notifications, registered by an administrator. The signing secret is kept
/// encrypted with ASP.NET Core Data Protection (<see cref="ProtectedSecret"/>): the portal must know it to sign, but the
/// database alone does not reveal it (the Data Protection keys are encrypted at rest by the cookie key certificate).
/// </summary>
public sealed class WebhookEndpoint
{
    public const int UrlMaxLength = 2048;
    public const int DescriptionMaxLength = 256;

    public int Id { get; set; }

    public string Url { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>The event types it receives, comma-separated (e.g. "hostinfo.rejected,license.issued").</summary>
    public string Events { get; set; } = "";

    public bool IsActive { get; set; } = true;

    /// <summary>The secret, Data Protection payload (purpose <c>LicensePortal.Webhooks.Secret</c>); never shown again.</summary>
    public string ProtectedSecret { get; set; } = "";

    /// <summary>The secret's first characters, to tell secrets apart without revealing them.</summary>
    public string SecretHint { get; set; } = "";

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }

    public string CreatedByUserName { get; set; } = "";

    public Guid Version { get; set; } = Guid.NewGuid();

    public List<WebhookDelivery> Deliveries { get; set; } = [];
}

/// <summary>
/// The outbox: one event, written in the same transaction as the change that caused it. The dispatcher fans it out
/// into one <see cref="WebhookDelivery"/> per subscribed endpoint (then sets <see cref="FannedOutAt"/>).
/// </summary>
public sealed class WebhookEvent
{
    public const int TypeMaxLength = 64;

    public long Id { get; set; }

    /// <summary>The event's public id (the body's "id"), so a receiver can drop a redelivery it already handled.</summary>
    public Guid EventId { get; set; }

    public string Type { get; set; } = "";

    /// <summary>The JSON body sent, exactly as signed.</summary>
    public string Body { get; set; } = "";

    /// <summary>UTC.</summary>
    public DateTime OccurredAt { get; set; }

    /// <summary>UTC; null while not yet turned into deliveries.</summary>
    public DateTime? FannedOutAt { get; set; }
}

public enum WebhookDeliveryState
{
    /// <summary>Waiting for its next attempt (<see cref="WebhookDelivery.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered,

    /// <summary>Retried for 24 hours without success, or refused (a private address): no further attempt unless redelivered.</summary>
    Failed,
}

/// <summary>One event for one endpoint: its state, and the claim of the node attempting it now.</summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }

    public int EndpointId { get; set; }

    public WebhookEndpoint? Endpoint { get; set; }

    public long EventId { get; set; }

    public WebhookEvent? Event { get; set; }

    public WebhookDeliveryState State { get; set; }

    /// <summary>UTC: when it was first queued (or redelivered); retries stop 24 hours after.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>UTC.</summary>
    public DateTime NextAttemptAt { get; set; }

    /// <summary>Attempts made so far.</summary>
    public int Attempts { get; set; }

    /// <summary>UTC: a node claimed it until then; after that another node may (the claimer died).</summary>
    public DateTime? ClaimedUntil { get; set; }

    public List<WebhookAttempt> AttemptLog { get; set; } = [];
}

/// <summary>One attempt of a delivery: what the endpoint answered (or why no request was made), and how long it took.</summary>
public sealed class WebhookAttempt
{
    public const int ErrorMaxLength = 512;

    public long Id { get; set; }

    public long DeliveryId { get; set; }

    public WebhookDelivery? Delivery { get; set; }

    /// <summary>1 for the first attempt.</summary>
    public int Number { get; set; }

    /// <summary>UTC.</summary>
    public DateTime At { get; set; }

    /// <summary>The HTTP status, or null when no answer came (refused, timeout, connection failure).</summary>
    public int? StatusCode { get; set; }

    public int DurationMs { get; set; }

    /// <summary>A resource key for why it failed (Webhook.Refused.PrivateAddress, Webhook.Timeout, ...), empty on success.</summary>
    public string Error { get; set; } = "";

    /// <summary>Technical detail (the address refused, the exception's message); never the secret or the body.</summary>
    public string Detail { get; set; } = "";
}

/// <summary>The webhook tables' mapping (kept here so AppDbContext changes by one line).</summary>
internal static class WebhookModel
{
    public static void Configure(Microsoft.EntityFrameworkCore.ModelBuilder builder)
    {
        builder.Entity<WebhookEndpoint>(endpoint =>
        {
            endpoint.ToTable("WebhookEndpoints");
            endpoint.Property(e => e.Url).HasMaxLength(WebhookEndpoint.UrlMaxLength);
            endpoint.Property(e => e.Description).HasMaxLength(WebhookEndpoint.DescriptionMaxLength);
            endpoint.Property(e => e.Events).HasMaxLength(512);
            endpoint.Property(e => e.ProtectedSecret).HasMaxLength(1024);
            endpoint.Property(e => e.SecretHint).HasMaxLength(16);
            endpoint.Property(e => e.CreatedByUserName).HasMaxLength(256);
            endpoint.Property(e => e.Version).IsConcurrencyToken();
        });
        builder.Entity<WebhookEvent>(e =>
        {
            e.ToTable("WebhookEvents");
            e.Property(x => x.Type).HasMaxLength(WebhookEvent.TypeMaxLength);
            e.Property(x => x.Body).HasMaxLength(16384);
            e.HasIndex(x => x.EventId).IsUnique();
            // The dispatcher looks for events not yet fanned out.
            e.HasIndex(x => new { x.FannedOutAt, x.Id });
        });
        builder.Entity<WebhookDelivery>(d =>
        {
            d.ToTable("WebhookDeliveries");
            d.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
            d.HasOne(x => x.Endpoint).WithMany(e => e.Deliveries).HasForeignKey(x => x.EndpointId).OnDelete(Microsoft.EntityFrameworkCore.DeleteBehavior.Cascade);
            d.HasOne(x => x.Event).WithMany().HasForeignKey(x => x.EventId).OnDelete(Microsoft.EntityFrameworkCore.DeleteBehavior.Cascade);
            // The claim query: pending rows due now.
            d.HasIndex(x => new { x.State, x.NextAttemptAt });
            d.HasIndex(x => new { x.EndpointId, x.Id });
        });
        builder.Entity<WebhookAttempt>(a =>
        {
            a.ToTable("WebhookAttempts");
            a.Property(x => x.Error).HasMaxLength(64);
            a.Property(x => x.Detail).HasMaxLength(WebhookAttempt.ErrorMaxLength);
            a.HasOne(x => x.Delivery).WithMany(d => d.AttemptLog).HasForeignKey(x => x.DeliveryId).OnDelete(Microsoft.EntityFrameworkCore.DeleteBehavior.Cascade);
            a.HasIndex(x => new { x.DeliveryId, x.Number });
        });
    }
}
