using LicensePortal.Resources;
using LicensePortal.Services;
using LicensePortal.Services.Webhooks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>An endpoint that receives signed webhooks. The secret is never part of it; <c>secretHint</c> is its first characters.</summary>
public sealed record WebhookEndpointDto(int Id, string Url, string Description, IReadOnlyList<string> Events, bool IsActive, string SecretHint,
    DateTime CreatedAt, string CreatedBy, string Version)
{
    public static WebhookEndpointDto From(WebhookEndpointView v) =>
        new(v.Id, v.Url, v.Description, v.Events, v.IsActive, v.SecretHint, v.CreatedAt, v.CreatedBy, v.Version.ToString());
}

/// <summary>A new endpoint and its signing secret, shown this once.</summary>
public sealed record CreatedWebhookEndpointDto(WebhookEndpointDto Endpoint, string Secret);

/// <summary>An endpoint to register or change; on change, <c>version</c> (when given) must match the stored one.</summary>
public sealed record WebhookEndpointRequest(string? Url, string? Description, IReadOnlyList<string>? Events, bool? IsActive, string? Version);

/// <summary>One attempt: the HTTP status (null when no answer came), how long it took, and why it failed (a text key and its sentence).</summary>
public sealed record WebhookAttemptDto(int Attempt, DateTime At, int? StatusCode, int DurationMs, string? Error, string? ErrorText, string? Detail);

/// <summary>One delivery: <c>state</c> is Pending, Delivered or Failed; <c>nextAttemptAt</c> while Pending.</summary>
public sealed record WebhookDeliveryDto(long Id, string EventId, string EventType, DateTime OccurredAt, string State, DateTime CreatedAt, DateTime? NextAttemptAt,
    int Attempts, IReadOnlyList<WebhookAttemptDto> AttemptLog);

/// <summary>/api/v1/webhooks: administrators register endpoints for signed event notifications (docs/webhooks.md).</summary>
public static class WebhookApi
{
    public static void MapWebhookApi(this RouteGroupBuilder api)
    {
        var hooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        hooks.MapGet("", ListAsync).WithName("ListWebhookEndpoints").WithSummary("Registered webhook endpoints (administrators).")
            .WithDescription("Never their secrets. 403 for anyone but an administrator.")
            .Produces<List<WebhookEndpointDto>>();
        hooks.MapPost("", CreateAsync).WithName("CreateWebhookEndpoint").WithSummary("Register an endpoint (administrators); the answer carries its secret, this once.")
            .WithDescription("Body: `url` (absolute http or https, no user info), `events` (one or more of instance.state_changed, hostinfo.accepted, " +
                "hostinfo.rejected, license.issued, instance.expiring), optional `description` and `isActive` (default true). " +
                "422 Webhook.UrlRequired, Webhook.UrlInvalid, Webhook.EventsRequired or Webhook.EventUnknown on its field.")
            .Produces<CreatedWebhookEndpointDto>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        hooks.MapGet("/{id:int}", GetAsync).WithName("GetWebhookEndpoint").WithSummary("One endpoint (administrators).")
            .WithDescription("404 for an unknown id.")
            .Produces<WebhookEndpointDto>();
        hooks.MapPut("/{id:int}", UpdateAsync).WithName("UpdateWebhookEndpoint").WithSummary("Change an endpoint's URL, description, events or whether it is active (administrators).")
            .WithDescription("Body as on create; the secret stays. Send the `version` you read: if the endpoint changed since, 409 Error.Conflict and nothing is saved.")
            .Produces<WebhookEndpointDto>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        hooks.MapDelete("/{id:int}", DeleteAsync).WithName("DeleteWebhookEndpoint").WithSummary("Delete an endpoint with its delivery log (administrators).")
            .WithDescription("204 when deleted; 404 for an unknown id.")
            .Produces(StatusCodes.Status204NoContent);
        hooks.MapGet("/{id:int}/deliveries", DeliveriesAsync).WithName("ListWebhookDeliveries").WithSummary("The endpoint's latest deliveries with each attempt (administrators).")
            .WithDescription("Newest first, at most `limit` (1 to 200, default 50). Each attempt has the HTTP status (null when no answer came), its duration, " +
                "and for a failure the reason: Webhook.Error.Status, Webhook.Error.Timeout, Webhook.Error.Connection or Webhook.Error.PrivateAddress.")
            .Produces<List<WebhookDeliveryDto>>();
        hooks.MapPost("/{id:int}/deliveries/{deliveryId:long}/redeliver", RedeliverAsync).WithName("RedeliverWebhook")
            .WithSummary("Send a delivery's event to the endpoint again (administrators).")
            .WithDescription("A new delivery of the same event (same body and event id), attempted at once and retried as any other; 404 for an unknown delivery.")
            .Produces<WebhookDeliveryDto>(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.ListAsync(ApiEndpoints.Actor(context), cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value!.Select(WebhookEndpointDto.From).ToList()) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> GetAsync(int id, HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.GetAsync(ApiEndpoints.Actor(context), id, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(WebhookEndpointDto.From(result.Value!)) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> CreateAsync([FromBody] WebhookEndpointRequest body, HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text,
        CancellationToken cancellationToken)
    {
        var result = await service.CreateAsync(ApiEndpoints.Actor(context), Input(body), cancellationToken);
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result);
        }
        context.Response.Headers.CacheControl = "no-store";
        var created = result.Value!;
        return TypedResults.Created($"{ApiEndpoints.Prefix}/webhooks/{created.Endpoint.Id}", new CreatedWebhookEndpointDto(WebhookEndpointDto.From(created.Endpoint), created.Secret));
    }

    private static async Task<IResult> UpdateAsync(int id, [FromBody] WebhookEndpointRequest body, HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text,
        CancellationToken cancellationToken)
    {
        Guid? version = null;
        if (body.Version is { } v)
        {
            if (!Guid.TryParse(v, out var parsed))
            {
                return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.InvalidValue", "version");
            }
            version = parsed;
        }
        var result = await service.UpdateAsync(ApiEndpoints.Actor(context), id, Input(body), version, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(WebhookEndpointDto.From(result.Value!)) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> DeleteAsync(int id, HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.DeleteAsync(ApiEndpoints.Actor(context), id, cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiProblems.From(text, result);
    }

    private static async Task<IResult> DeliveriesAsync(int id, int? limit, HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError("limit", "Error.PageSizeRange", 200));
        }
        var result = await service.DeliveriesAsync(ApiEndpoints.Actor(context), id, limit ?? 50, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value!.Select(d => Dto(d, text)).ToList()) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> RedeliverAsync(int id, long deliveryId, HttpContext context, WebhookService service, IStringLocalizer<SharedResource> text,
        CancellationToken cancellationToken)
    {
        var result = await service.RedeliverAsync(ApiEndpoints.Actor(context), id, deliveryId, cancellationToken);
        return result.Succeeded ? TypedResults.Accepted($"{ApiEndpoints.Prefix}/webhooks/{id}/deliveries", Dto(result.Value!, text)) : ApiProblems.From(text, result);
    }

    private static WebhookInput Input(WebhookEndpointRequest body) => new(body.Url ?? "", body.Description, body.Events ?? [], body.IsActive ?? true);

    private static WebhookDeliveryDto Dto(WebhookDeliveryView d, IStringLocalizer<SharedResource> text) =>
        new(d.Id, d.EventId.ToString(), d.EventType, d.OccurredAt, d.State.ToString(), d.CreatedAt, d.NextAttemptAt, d.Attempts,
            d.AttemptLog.Select(a => new WebhookAttemptDto(a.Number, a.At, a.StatusCode, a.DurationMs, a.Error.Length == 0 ? null : a.Error,
                a.Error.Length == 0 ? null : text[a.Error].Value, a.Detail.Length == 0 ? null : a.Detail)).ToList());
}
