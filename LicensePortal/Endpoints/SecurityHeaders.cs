using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using LicensePortal.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using Scalar.AspNetCore;

namespace LicensePortal.Endpoints;

/// <summary>
/// The headers every answer carries, pages, Identity pages, /api/docs, the API, files and errors alike: a
/// Content-Security-Policy that lets a page load and run only the portal's own files, <c>X-Content-Type-Options: nosniff</c>
/// and <c>Referrer-Policy: same-origin</c>.
/// </summary>
/// <remarks>
/// What the policy allows beyond <c>'self'</c>, and why:
/// <list type="bullet">
/// <item>script-src: a fresh nonce per answer, for the inline scripts the portal renders itself (Blazor's import map,
/// Scalar's start-up script on /api/docs); no <c>'unsafe-inline'</c>, no <c>'unsafe-eval'</c>.</item>
/// <item>style-src-elem: the same nonce, and the SHA-256 of the MudBlazor theme's <c>&lt;style&gt;</c> element
/// (MudThemeProvider renders it without a nonce; the circuit re-renders it after the page has loaded, so only a hash of
/// its fixed content can allow it). On /api/docs only: <c>'unsafe-inline'</c> style elements, which Scalar's bundle
/// inserts from script without a nonce; scripts there are still nonce-only.</item>
/// <item>style-src-attr <c>'unsafe-inline'</c>: MudBlazor and Blazor write <c>style="..."</c> attributes with computed
/// values (widths, popover positions) at run time; an attribute can neither run script nor select other elements, and
/// anything it could load (url()) is still bound by img-src and font-src.</item>
/// <item>img-src data:: the stylesheets (MudBlazor, Bootstrap on the sign-in pages) draw small icons as data: URIs.</item>
/// <item>connect-src <c>'self'</c> covers the circuit's WebSocket to the same host (CSP3).</item>
/// </list>
/// </remarks>
public static partial class SecurityHeaders
{
    private const string NonceItem = "LicensePortal.CspNonce";

    /// <summary>This answer's nonce, for an inline script or style element the portal renders (nonce="@...").</summary>
    public static string Nonce(HttpContext context) =>
        context.Items[NonceItem] as string ?? throw new InvalidOperationException("UseSecurityHeaders must run before anything renders a nonce.");

    /// <summary>First in the pipeline, so even the exception handler's and the status-code pages' answers carry the headers.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var styleHashes = ThemeStyleHashes(app.ApplicationServices);
        return app.Use(async (context, next) =>
        {
            // Base64url: a '+' or '/' would be HTML-encoded in the nonce attribute; browsers decode it, but the page
            // should carry the nonce exactly as the header does.
            var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
            context.Items[NonceItem] = nonce;
            // On starting, not now: the exception handler clears the headers before it renders the error page.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                // Scalar (/api/docs) puts its own per-request nonce on its script tags.
                var nonces = context.Items[ScalarOptions.NonceHttpContextItemKey] is string scalar ? $"{nonce}' 'nonce-{scalar}" : nonce;
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ApiDocsPath, StringComparison.OrdinalIgnoreCase)
                    ? Policy(nonces, ApiDocsStyles)
                    : Policy(nonces, PortalStyles(nonce, styleHashes));
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            await next(context);
        });
    }

    /// <summary>Where Scalar serves the API reference and its files.</summary>
    public const string ApiDocsPath = "/api/docs";

    // Scalar's bundle inserts its stylesheets as <style> elements from script, without a nonce (its nonce option covers
    // script tags only): on its pages alone, style elements are allowed inline. Scripts stay nonce-only there too (its
    // bundle's eval probe is refused and it works without).
    private const string ApiDocsStyles = "'self' 'unsafe-inline'";

    private static string PortalStyles(string nonce, string styleHashes) => $"'self' 'nonce-{nonce}'{styleHashes}";

    /// <summary>The policy for one answer: <paramref name="nonces"/> for scripts, <paramref name="styles"/> for style elements.</summary>
    private static string Policy(string nonces, string styles) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonces}'; " +
        $"style-src {styles}; " +
        $"style-src-elem {styles}; " +
        "style-src-attr 'unsafe-inline'; " +
        "img-src 'self' data:; " +
        "font-src 'self'; " +
        "connect-src 'self'; " +
        "object-src 'none'; " +
        "frame-ancestors 'none'; " +
        "base-uri 'self'; " +
        "form-action 'self'";

    /// <summary>
    /// The hashes of the style elements MudThemeProvider renders with the portal's theme, worked out by rendering it once
    /// at start (so a theme change cannot silently break the pages). Both the prerendered text and its decoded form, and the
    /// empty element the circuit inserts before it fills it in.
    /// </summary>
    private static string ThemeStyleHashes(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var loggers = scope.ServiceProvider.GetRequiredService<ILoggerFactory>();
        var html = Task.Run(async () =>
        {
            await using var renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
            return await renderer.Dispatcher.InvokeAsync(async () =>
            {
                var output = await renderer.RenderComponentAsync<MudThemeProvider>(
                    ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(MudThemeProvider.Theme)] = PortalTheme.Theme }));
                return output.ToHtmlString();
            });
        }).GetAwaiter().GetResult();
        var contents = StyleElement().Matches(html).Select(m => m.Groups[1].Value)
            .SelectMany(text => new[] { text, System.Net.WebUtility.HtmlDecode(text) })
            .Append("")
            .Distinct(StringComparer.Ordinal);
        var hashes = new StringBuilder();
        foreach (var text in contents)
        {
            hashes.Append(" 'sha256-").Append(Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)))).Append('\'');
        }
        return hashes.ToString();
    }

    [GeneratedRegex("<style[^>]*>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();
}
