using LicensePortal.Data;
using LicensePortal.Options;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services.Webhooks;

/// <summary>
/// Webhook endpoints (administrators only): register, change, delete (each audited in its save), the delivery log and
/// redelivery. The secret is made here, shown once in the answer to its creation, and kept encrypted with Data
/// Protection (<see cref="SecretPurpose"/>) so the dispatcher can sign; it is never read back out to anyone.
/// </summary>
public sealed class WebhookService(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options, ILogger<WebhookService> logger)
{
    public const string SecretPurpose = "LicensePortal.Webhooks.Secret";
    public const int MaxEndpoints = 50;

    private IDataProtector Protector => protection.CreateProtector(SecretPurpose);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<ServiceResult<IReadOnlyList<WebhookEndpointView>>> ListAsync(PortalActor actor, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<IReadOnlyList<WebhookEndpointView>>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id).ToListAsync(cancellationToken);
        return ServiceResult<IReadOnlyList<WebhookEndpointView>>.Ok(rows.Select(View).ToList());
    }

    public async Task<ServiceResult<WebhookEndpointView>> GetAsync(PortalActor actor, int id, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<WebhookEndpointView>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        return row is null ? ServiceResult<WebhookEndpointView>.NotFound() : ServiceResult<WebhookEndpointView>.Ok(View(row));
    }

    public async Task<ServiceResult<CreatedWebhook>> CreateAsync(PortalActor actor, WebhookInput input, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<CreatedWebhook>.Forbidden();
        }
        if (Validate(input) is { Count: > 0 } errors)
        {
            return ServiceResult<CreatedWebhook>.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.WebhookEndpoints.CountAsync(cancellationToken) >= MaxEndpoints)
        {
            return ServiceResult<CreatedWebhook>.Invalid("", "Webhook.TooMany", MaxEndpoints);
        }
        var secret = WebhookSignature.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            Url = input.Url.Trim(),
            Description = (input.Description ?? "").Trim(),
            Events = string.Join(',', Normalize(input.Events)),
            IsActive = input.IsActive,
            ProtectedSecret = Protector.Protect(secret),
            SecretHint = secret[..10],
            CreatedAt = Now,
            CreatedByUserName = actor.UserName,
        };
        // Two saves (the id names the audit entry) in one transaction: the endpoint and its entry commit together.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.WebhookEndpoints.Add(endpoint);
            await db.SaveChangesAsync(cancellationToken);
            AuditLog.Add(db, actor, Now, "webhook.create", "webhook", endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), null, Audited(endpoint));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        logger.LogInformation("{Actor} registered webhook endpoint {Endpoint} for {Events}", actor.UserName, endpoint.Id, endpoint.Events);
        return ServiceResult<CreatedWebhook>.Ok(new CreatedWebhook(View(endpoint), secret));
    }

    /// <summary>Changes URL, description, events and whether it is active; the secret stays. A stale <paramref name="version"/> is a conflict.</summary>
    public async Task<ServiceResult<WebhookEndpointView>> UpdateAsync(PortalActor actor, int id, WebhookInput input, Guid? version, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<WebhookEndpointView>.Forbidden();
        }
        if (Validate(input) is { Count: > 0 } errors)
        {
            return ServiceResult<WebhookEndpointView>.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null)
        {
            return ServiceResult<WebhookEndpointView>.NotFound();
        }
        if (version is { } v && v != endpoint.Version)
        {
            return ServiceResult<WebhookEndpointView>.Conflict(View(endpoint));
        }
        var before = Audited(endpoint);
        endpoint.Url = input.Url.Trim();
        endpoint.Description = (input.Description ?? "").Trim();
        endpoint.Events = string.Join(',', Normalize(input.Events));
        endpoint.IsActive = input.IsActive;
        endpoint.Version = Guid.NewGuid();
        AuditLog.Add(db, actor, Now, "webhook.update", "webhook", endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), before, Audited(endpoint));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            await using var fresh = await dbFactory.CreateDbContextAsync(cancellationToken);
            var current = await fresh.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
            return current is null ? ServiceResult<WebhookEndpointView>.NotFound() : ServiceResult<WebhookEndpointView>.Conflict(View(current));
        }
        return ServiceResult<WebhookEndpointView>.Ok(View(endpoint));
    }

    /// <summary>Deletes the endpoint with its deliveries and their log.</summary>
    public async Task<ServiceResult<bool>> DeleteAsync(PortalActor actor, int id, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<bool>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null)
        {
            return ServiceResult<bool>.NotFound();
        }
        db.WebhookEndpoints.Remove(endpoint);
        AuditLog.Add(db, actor, Now, "webhook.delete", "webhook", endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Audited(endpoint), null);
        await db.SaveChangesAsync(cancellationToken);
        return ServiceResult<bool>.Ok(true);
    }

    /// <summary>The endpoint's latest deliveries, newest first, each with its attempts.</summary>
    public async Task<ServiceResult<IReadOnlyList<WebhookDeliveryView>>> DeliveriesAsync(PortalActor actor, int id, int limit = 50, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<IReadOnlyList<WebhookDeliveryView>>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == id, cancellationToken))
        {
            return ServiceResult<IReadOnlyList<WebhookDeliveryView>>.NotFound();
        }
        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id).OrderByDescending(d => d.Id).Take(Math.Clamp(limit, 1, 200))
            .Select(d => new WebhookDeliveryView(d.Id, d.Event!.EventId, d.Event.Type, d.Event.OccurredAt, d.State, d.CreatedAt,
                d.State == WebhookDeliveryState.Pending ? d.NextAttemptAt : null, d.Attempts,
                d.AttemptLog.OrderByDescending(a => a.Number).Select(a => new WebhookAttemptView(a.Number, a.At, a.StatusCode, a.DurationMs, a.Error, a.Detail)).ToList()))
            .ToListAsync(cancellationToken);
        return ServiceResult<IReadOnlyList<WebhookDeliveryView>>.Ok(rows);
    }

    /// <summary>Sends the delivery's event to its endpoint again: a new delivery (its own log), attempted at once, retried as any other.</summary>
    public async Task<ServiceResult<WebhookDeliveryView>> RedeliverAsync(PortalActor actor, int endpointId, long deliveryId, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<WebhookDeliveryView>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var original = await db.WebhookDeliveries.AsNoTracking().Include(d => d.Event).FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpointId, cancellationToken);
        if (original is null)
        {
            return ServiceResult<WebhookDeliveryView>.NotFound();
        }
        var now = Now;
        var again = new WebhookDelivery { EndpointId = endpointId, EventId = original.EventId, State = WebhookDeliveryState.Pending, CreatedAt = now, NextAttemptAt = now };
        db.WebhookDeliveries.Add(again);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Actor} redelivered webhook delivery {Delivery} as {Again}", actor.UserName, deliveryId, again.Id);
        return ServiceResult<WebhookDeliveryView>.Ok(new WebhookDeliveryView(again.Id, original.Event!.EventId, original.Event.Type, original.Event.OccurredAt,
            again.State, again.CreatedAt, again.NextAttemptAt, 0, []));
    }

    /// <summary>The secret for signing (the dispatcher only).</summary>
    internal string Unprotect(WebhookEndpoint endpoint) => Protector.Unprotect(endpoint.ProtectedSecret);

    private List<FieldError> Validate(WebhookInput input)
    {
        var errors = StorableText.Check(("Url", input.Url), ("Description", input.Description));
        if (errors.Count > 0)
        {
            return errors;
        }
        var url = (input.Url ?? "").Trim();
        if (url.Length == 0)
        {
            errors.Add(new FieldError("Url", "Webhook.UrlRequired"));
        }
        else if (url.Length > WebhookEndpoint.UrlMaxLength)
        {
            errors.Add(new FieldError("Url", "Webhook.UrlTooLong", WebhookEndpoint.UrlMaxLength));
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                 || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(new FieldError("Url", "Webhook.UrlInvalid"));
        }
        else if (!options.CurrentValue.AllowPrivateNetworks && System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var address) && WebhookAddressGuard.IsPrivate(address))
        {
            // An address written out is refused at once; a host name is judged on what it resolves to at each delivery
            // (WebhookAddressGuard), since DNS may answer differently later.
            errors.Add(new FieldError("Url", "Webhook.UrlPrivate", address.ToString()));
        }
        if ((input.Description ?? "").Trim().Length > WebhookEndpoint.DescriptionMaxLength)
        {
            errors.Add(new FieldError("Description", "Webhook.DescriptionTooLong", WebhookEndpoint.DescriptionMaxLength));
        }
        if (input.Events is not { Count: > 0 })
        {
            errors.Add(new FieldError("Events", "Webhook.EventsRequired"));
        }
        else if (input.Events.FirstOrDefault(e => !WebhookEvents.All.Contains(e)) is { } unknown)
        {
            errors.Add(new FieldError("Events", "Webhook.EventUnknown", unknown));
        }
        return errors;
    }

    private static IEnumerable<string> Normalize(IReadOnlyList<string> events) => WebhookEvents.All.Where(events.Contains);

    internal static IReadOnlyList<string> EventsOf(WebhookEndpoint e) => e.Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static WebhookEndpointView View(WebhookEndpoint e) =>
        new(e.Id, e.Url, e.Description, EventsOf(e), e.IsActive, e.SecretHint, e.CreatedAt, e.CreatedByUserName, e.Version);

    /// <summary>What the audit trail keeps: the URL without its query (which may carry a receiver's token), never the secret.</summary>
    private static object Audited(WebhookEndpoint e) => new
    {
        Url = Uri.TryCreate(e.Url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Path) : e.Url,
        e.Description,
        e.Events,
        e.IsActive,
    };
}
