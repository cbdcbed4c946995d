using System.Security.Claims;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>Marks the endpoints an activation token may call (host info upload and license fetch of its instance).</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class AllowActivationTokenAttribute : Attribute;

/// <summary>
/// The JSON API under /api/v1: every seed action, authenticated by the portal cookie or a bearer token. Each endpoint
/// turns JSON into a service call and the result into JSON or problem details; the rules live in the services.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";
    public const int MaxPageSize = 200;

    /// <summary>How every listing pages, for its OpenAPI description (the rule itself: <see cref="PagingProblem"/>).</summary>
    public const string PagingDescription =
        "Zero-based `page` (0 to 1000000, default 0) and `pageSize` (1 to 200, default 25); anything outside is 400 Error.PageRange or Error.PageSizeRange on that field. ";

    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        var policy = new AuthorizationPolicyBuilder(BearerTokenHandler.ApiSchemeName).RequireAuthenticatedUser().Build();
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(policy)
            // No antiforgery tokens: the cookie only reads, and not for other sites; changes need a bearer token (decision 0011).
            .DisableAntiforgery()
            .AddEndpointFilter(CrossSiteRequests.ApiFilter)
            .WithBodyLimit(RequestBodyLimits.JsonMaxBytes)
            .AddEndpointFilter(ActivationScopeFilter)
            .AddEndpointFilter(StorableTextFilter.RefuseAsync);
        api.MapUserApi();
        api.MapInstanceApi();
        api.MapHostBindingApi();
        api.MapTokenApi();
        api.MapWebhookApi();
        api.MapGet("/vendor-keys", (VendorKeyStore keys) =>
            {
                var root = keys.Root;
                return TypedResults.Ok(keys.All.Select(k => new VendorKeyDto(k.KeyId, k.CreatedAt, k.IsCurrent, k.PublicKeyFile, $"/vendor-key/{k.KeyId}",
                    root.KeyId, root.Fingerprint, k.Certificate is not null, k.Certificate?.ValidFrom.UtcDateTime, k.Certificate?.ValidUntil.UtcDateTime)).ToList());
            })
            .AllowAnonymous()
            .WithName("ListVendorKeys")
            .WithTags("Vendor keys")
            .WithSummary("Vendor signing keys with their certificates' validity and the vendor root they chain to (public; the root itself: /vendor-root.pub).")
            .WithDescription("Every key that signs or signed licenses, the current one marked; a product checks a license against the root's fingerprint, never a key read from a file.")
            .Produces<List<VendorKeyDto>>();
        return app;
    }

    /// <summary>An activation token's principal may only call endpoints marked for it, and only for its own instance.</summary>
    private static async ValueTask<object?> ActivationScopeFilter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var instance = context.User.FindFirstValue(BearerTokenHandler.ActivationInstanceClaim);
        if (instance is null)
        {
            return await next(invocation);
        }
        var allowed = context.GetEndpoint()?.Metadata.GetMetadata<AllowActivationTokenAttribute>() is not null;
        var name = context.Request.RouteValues["name"] as string;
        if (!allowed || (name is not null && InstanceRules.Normalize(name) != instance))
        {
            var text = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
            return ApiProblems.Problem(text, StatusCodes.Status403Forbidden, "Token.ActivationScope");
        }
        return await next(invocation);
    }

    /// <summary>The caller; endpoints run behind RequireAuthenticatedUser, so there is one.</summary>
    public static PortalActor Actor(HttpContext context) => PortalActor.From(context.User, context.Connection.RemoteIpAddress?.ToString())
        ?? throw new InvalidOperationException("authenticated endpoint without a user");

    /// <summary>400 for a page (zero-based) outside 0..<see cref="Paging.MaxPage"/> or a page size outside 1..200; null when both are fine.</summary>
    public static IResult? PagingProblem(IStringLocalizer<SharedResource> text, int? page, int? pageSize)
    {
        if (page is < 0 or > Paging.MaxPage)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError("page", "Error.PageRange", Paging.MaxPage));
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError("pageSize", "Error.PageSizeRange", MaxPageSize));
        }
        return null;
    }

    /// <summary>Parses an enum query value case-insensitively; a bad value is a 400 on that field.</summary>
    public static bool TryParseEnum<T>(string? value, string field, IStringLocalizer<SharedResource> text, out T? parsed, out IResult? problem)
        where T : struct, Enum
    {
        parsed = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }
        if (Enum.TryParse<T>(value, ignoreCase: true, out var v) && Enum.IsDefined(v) && !int.TryParse(value, out _))
        {
            parsed = v;
            return true;
        }
        problem = ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.InvalidValue", field);
        return false;
    }

    public static BulkResultDto Bulk(IStringLocalizer<SharedResource> text, IReadOnlyList<BulkItemResult> results) =>
        new(results.Select(r => new BulkItemDto(r.Key, r.Succeeded, r.ErrorCode, r.ErrorCode is null ? null : text[r.ErrorCode].Value)).ToList());

    /// <summary>A single-item delete: 204, or the problem for the item's reason.</summary>
    public static IResult SingleDelete(IStringLocalizer<SharedResource> text, IReadOnlyList<BulkItemResult> results)
    {
        var r = results[0];
        if (r.Succeeded)
        {
            return TypedResults.NoContent();
        }
        var status = r.ErrorCode switch
        {
            "Error.NotFound" => StatusCodes.Status404NotFound,
            "Error.Forbidden" => StatusCodes.Status403Forbidden,
            var code => ApiProblems.StatusFor(code ?? ""),
        };
        return ApiProblems.Problem(text, status, r.ErrorCode ?? "Error.Unexpected");
    }
}
