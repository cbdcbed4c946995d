using LicensePortal.Endpoints.Api;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Localization;
using Microsoft.Net.Http.Headers;

namespace LicensePortal.Endpoints;

/// <summary>
/// Forgery protection for the HTTP endpoints outside the pages (decision 0011): a request that rides on the sign-in
/// cookie must come from the portal itself, a typed address or a script; one a browser sends for another site's page is
/// refused before it reads or changes anything. On /api/v1 the cookie also only reads: changes need a bearer token.
/// </summary>
public static class CrossSiteRequests
{
    public const string CrossSiteCode = "Error.CrossSiteRequest";
    public const string BearerRequiredCode = "Error.BearerTokenRequired";

    /// <summary>For the seed's URLs (cookie only): a cookie caller from another site gets 403.</summary>
    public static TBuilder RefuseCrossSiteCookieCallers<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(static async (invocation, next) =>
            IsCookieCaller(invocation.HttpContext) && IsFromAnotherSite(invocation.HttpContext.Request)
                ? Refusal(invocation.HttpContext, CrossSiteCode)
                : await next(invocation));

    /// <summary>
    /// For /api/v1: a cookie caller may only read (GET, HEAD) and only from the portal's own origin; anything else needs
    /// <c>Authorization: Bearer</c>. Endpoints that take no credentials at all (the password exchange) are left alone.
    /// </summary>
    public static async ValueTask<object?> ApiFilter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (!IsCookieCaller(context) || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return await next(invocation);
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            return Refusal(context, BearerRequiredCode);
        }
        return IsFromAnotherSite(context.Request) ? Refusal(context, CrossSiteCode) : await next(invocation);
    }

    /// <summary>Signed in, and by the cookie: a request with a bearer header is authenticated by the token alone.</summary>
    public static bool IsCookieCaller(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && BearerTokenHandler.BearerValue(context.Request) is null;

    /// <summary>
    /// What the browser says about where the request comes from. <c>Sec-Fetch-Site</c> (every current browser): only
    /// <c>same-origin</c> and <c>none</c> (typed address, bookmark, download link opened by the user) are the portal's.
    /// Without it, an <c>Origin</c> naming another host (or "null") is foreign. Neither header: not a browser page, a script.
    /// </summary>
    public static bool IsFromAnotherSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return !site.Equals("same-origin", StringComparison.OrdinalIgnoreCase) && !site.Equals("none", StringComparison.OrdinalIgnoreCase);
        }
        var origin = request.Headers[HeaderNames.Origin].ToString();
        if (origin.Length == 0)
        {
            return false;
        }
        // The host and port only, as Go's CrossOriginProtection does: behind a TLS-terminating proxy the scheme may differ.
        return !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !uri.Authority.Equals(request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static IResult Refusal(HttpContext context, string code) =>
        ApiProblems.Problem(context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>(), StatusCodes.Status403Forbidden, code);
}
