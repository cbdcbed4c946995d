using System.Globalization;
using System.Net;
using LicensePortal.Data;
using LicensePortal.Endpoints.Api;
using LicensePortal.Resources;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints;

/// <summary>
/// The answer while the database is unavailable (<see cref="DatabaseFailures.IsTransient"/>): 503 with Retry-After, never
/// a 500. The API and the seed's URLs get a problem document (<c>Error.DatabaseUnavailable</c>) in the caller's language;
/// a browser asking for a page gets a short page saying so that reloads itself. Pages already open are kept by
/// <c>Components/Shared/DatabaseOutageBoundary</c>.
/// </summary>
public static class DatabaseOutageAnswers
{
    public const string Code = "Error.DatabaseUnavailable";

    /// <summary>Inside the API's problem mapping and the error page, so a transient failure never reaches either.</summary>
    public static IApplicationBuilder UseDatabaseOutageAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException && DatabaseFailures.IsTransient(ex))
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LicensePortal.Database")
                .LogWarning(ex, "The database is unavailable; answered {Path} with 503", context.Request.Path);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = DatabaseFailures.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers.CacheControl = "no-store";
            var text = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
            if (!ApiProblems.IsApi(context.Request) && HttpMethods.IsGet(context.Request.Method)
                && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                // Clear() dropped the content type: without it and its charset the Chinese notice could be misread.
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(Page(text), context.RequestAborted);
                return;
            }
            await ApiProblems.Problem(text, StatusCodes.Status503ServiceUnavailable, Code).ExecuteAsync(context);
        }
    });

    /// <summary>No script (the security headers allow none without a nonce): the browser's own refresh tries again.</summary>
    private static string Page(IStringLocalizer<SharedResource> text)
    {
        var language = WebUtility.HtmlEncode(CultureInfo.CurrentUICulture.Name);
        var title = WebUtility.HtmlEncode(text["App.Title"]);
        var notice = WebUtility.HtmlEncode(text["App.DatabaseUnavailable"]);
        return $"""
            <!DOCTYPE html>
            <html lang="{language}"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{DatabaseFailures.RetryAfterSeconds}"><title>{title}</title></head>
            <body><p id="database-unavailable" role="status">{notice}</p></body></html>
            """;
    }
}
