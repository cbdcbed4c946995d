using LicensePortal.Data;

namespace LicensePortal.Services.Webhooks;

/// <summary>What an administrator enters for an endpoint.</summary>
public sealed record WebhookInput(string Url, string? Description, IReadOnlyList<string> Events, bool IsActive = true);

/// <summary>An endpoint as shown: never its secret, only the secret's first characters.</summary>
public sealed record WebhookEndpointView(int Id, string Url, string Description, IReadOnlyList<string> Events, bool IsActive, string SecretHint,
    DateTime CreatedAt, string CreatedBy, Guid Version);

/// <summary>A new endpoint with its secret, shown this once.</summary>
public sealed record CreatedWebhook(WebhookEndpointView Endpoint, string Secret);

/// <summary>One attempt as the delivery log shows it.</summary>
public sealed record WebhookAttemptView(int Number, DateTime At, int? StatusCode, int DurationMs, string Error, string Detail);

/// <summary>One delivery with its attempts, newest attempt first.</summary>
public sealed record WebhookDeliveryView(long Id, Guid EventId, string EventType, DateTime OccurredAt, WebhookDeliveryState State, DateTime CreatedAt,
    DateTime? NextAttemptAt, int Attempts, IReadOnlyList<WebhookAttemptView> AttemptLog);
