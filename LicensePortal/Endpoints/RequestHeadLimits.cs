using LicensePortal.Endpoints.Api;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints;

/// <summary>
/// The request line and header limits, answered with a problem document. Kestrel refuses a request line or headers over
/// its limits while parsing, before any middleware runs, with an empty body (and closes the connection). So Kestrel's
/// limits are set a little above the documented ones and this middleware enforces the documented ones: 414 for a request
/// line over <see cref="MaxRequestLineBytes"/>, 431 for headers over <see cref="MaxHeaderBytes"/> or
/// <see cref="MaxHeaderCount"/>. Beyond Kestrel's own limits (the backstop) the answer stays Kestrel's, without a body.
/// </summary>
public static class RequestHeadLimits
{
    /// <summary>Kestrel's defaults, kept as the documented limits.</summary>
    public const int MaxRequestLineBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;

    /// <summary>Kestrel's limits: room above the documented ones for the middleware to answer.</summary>
    public const int ServerMaxRequestLineBytes = 16 * 1024;
    public const int ServerMaxHeaderBytes = 64 * 1024;
    public const int ServerMaxHeaderCount = 200;

    public static WebApplicationBuilder AddRequestHeadLimits(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestLineSize = ServerMaxRequestLineBytes;
            o.Limits.MaxRequestHeadersTotalSize = ServerMaxHeaderBytes;
            o.Limits.MaxRequestHeaderCount = ServerMaxHeaderCount;
        });
        return builder;
    }

    /// <summary>After request localization, so the problem is in the caller's language.</summary>
    public static IApplicationBuilder UseRequestHeadLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var status = Refusal(context);
        if (status == 0)
        {
            await next(context);
            return;
        }
        var text = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
        var code = status == StatusCodes.Status414UriTooLong ? "Error.UriTooLong" : "Error.HeadersTooLarge";
        var limit = status == StatusCodes.Status414UriTooLong ? MaxRequestLineBytes / 1024 : MaxHeaderBytes / 1024;
        context.Response.Headers.Connection = "close"; // as Kestrel would: what follows on this connection is not trusted
        await ApiProblems.Problem(text, status, new Services.FieldError("", code, limit, MaxHeaderCount)).ExecuteAsync(context);
    });

    /// <summary>The refusal's status, or 0. Sizes as Kestrel counts them: the request line and each header line with its CRLF.</summary>
    private static int Refusal(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        if (request.Method.Length + 1 + target.Length + 1 + request.Protocol.Length + 2 > MaxRequestLineBytes)
        {
            return StatusCodes.Status414UriTooLong;
        }
        var bytes = 0;
        var count = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                count++;
                bytes += name.Length + 2 + (value?.Length ?? 0) + 2;
            }
        }
        return bytes > MaxHeaderBytes || count > MaxHeaderCount ? StatusCodes.Status431RequestHeaderFieldsTooLarge : 0;
    }
}
