using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Scalar.AspNetCore;

namespace LicensePortal.Endpoints;

/// <summary>
/// /api/docs: Scalar's reference for /openapi/v1.json, in the viewer's language (the request's culture: cookie or
/// browser language), with <c>lang</c> on the page, and nothing from outside hosts or for Scalar's hosted services: an
/// on-premises portal's page must work without the internet and send nothing out.
/// </summary>
public static class ApiDocs
{
    public static IEndpointConventionBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        var docs = app.MapScalarApiReference(SecurityHeaders.ApiDocsPath, (o, _) => o
            .WithTitle("LicensePortal API")
            .WithLocalization(new ScalarLocalizationOptions { Locale = ScalarLocale(CultureInfo.CurrentUICulture) })
            // Scalar's fonts come from its CDN by default; the page falls back to the system's.
            .DisableDefaultFonts()
            // Its hosted services: the AI chat ("Ask AI", free on localhost), MCP, the developer toolbar ("Deploy") and
            // with it "Generate SDK", the button that opens its client in a new window, and the telemetry of sent requests.
            .DisableAgent()
            .DisableMcp()
            .HideDeveloperTools()
            .HideClientButton()
            .DisableTelemetry()
            // A fresh nonce on its scripts (SecurityHeaders puts it in the policy).
            .WithNonce());
        // Scalar writes <html> without a language; screen readers and the browser's translation offer need it.
        if (docs is RouteGroupBuilder group)
        {
            group.AddEndpointFilter(async (context, next) =>
            {
                var result = await next(context);
                return result is ContentHttpResult { ResponseContent: { } html } page && page.ContentType?.StartsWith("text/html", StringComparison.Ordinal) == true
                    ? TypedResults.Content(WithLanguage(html, CultureInfo.CurrentUICulture.Name), page.ContentType, statusCode: page.StatusCode)
                    : result;
            });
        }
        return docs.AllowAnonymous();
    }

    /// <summary>Scalar's locale for a portal culture: it has zh-CN (Simplified Chinese) and English among its own.</summary>
    public static string ScalarLocale(CultureInfo culture) =>
        culture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh-CN" : "en";

    /// <summary>The page with <c>lang</c> on its first <c>&lt;html&gt;</c> tag.</summary>
    public static string WithLanguage(string html, string language)
    {
        ArgumentNullException.ThrowIfNull(html);
        var at = html.IndexOf("<html>", StringComparison.OrdinalIgnoreCase);
        return at < 0 ? html : string.Concat(html.AsSpan(0, at), $"<html lang=\"{language}\">", html.AsSpan(at + "<html>".Length));
    }
}
