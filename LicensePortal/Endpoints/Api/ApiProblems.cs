using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// RFC 9457 problem details for /api: a stable <c>code</c> (a resource key), the failing <c>field</c> in the API's
/// camelCase, and <c>detail</c> in the request's language; with several errors, all of them under <c>errors</c>.
/// </summary>
public static class ApiProblems
{
    public const string ApiPrefix = "/api";

    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase);

    public static IResult Problem(IStringLocalizer<SharedResource> text, int status, FieldError error, IReadOnlyList<FieldError>? all = null)
    {
        var extensions = new Dictionary<string, object?>
        {
            ["code"] = error.Code,
            ["field"] = ApiField(error.Field),
        };
        if (all is { Count: > 1 })
        {
            extensions["errors"] = all.Select(e => new ApiFieldError(ApiField(e.Field), e.Code, Message(text, e))).ToList();
        }
        return TypedResults.Problem(detail: Message(text, error), statusCode: status, extensions: extensions);
    }

    public static IResult Problem(IStringLocalizer<SharedResource> text, int status, string code, string field = "") =>
        Problem(text, status, new FieldError(field, code));

    /// <summary>The problem for a failed service call: 422 for broken rules, 409 for duplicates and stale versions, 403, 404.</summary>
    public static IResult From<T>(IStringLocalizer<SharedResource> text, ServiceResult<T> result)
    {
        var first = result.Errors.Count > 0 ? result.Errors[0] : new FieldError("", "Error.Unexpected", "");
        var status = result.Failure switch
        {
            Failure.NotFound => StatusCodes.Status404NotFound,
            Failure.Forbidden => StatusCodes.Status403Forbidden,
            Failure.Conflict => StatusCodes.Status409Conflict,
            _ => StatusFor(first.Code),
        };
        return Problem(text, status, first, result.Errors);
    }

    /// <summary>
    /// The answer for a failed service call on the seed's URLs and the API alike: the problem of <see cref="From{T}(IStringLocalizer{SharedResource}, ServiceResult{T})"/>,
    /// and for a refusal that waiting ends (DOWNLOADERROR), <c>Retry-After</c> with the seconds until the refusal's own retry time.
    /// </summary>
    public static IResult From<T>(IStringLocalizer<SharedResource> text, ServiceResult<T> result, HttpContext context, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(context);
        if (result.RetryAt is { } at)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling((at - now).TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return From(text, result);
    }

    /// <summary>The status for a rule's code when the service called it invalid input.</summary>
    public static int StatusFor(string code) => code switch
    {
        "Error.DuplicateInstanceName" or "Error.DuplicateUserName" or "Error.DuplicateEmail" or "Error.LastAdministrator" => StatusCodes.Status409Conflict,
        HostBinding.NoPendingHost or HostBinding.PendingHostChanged => StatusCodes.Status409Conflict,
        "Users.ConfirmationNotNeeded" or "Users.ConfirmationMailOff" => StatusCodes.Status409Conflict,
        "Users.ConfirmationNotSent" => StatusCodes.Status503ServiceUnavailable,
        "HostInfo.TooLarge" => StatusCodes.Status413PayloadTooLarge,
        StorableText.ErrorCode => StatusCodes.Status400BadRequest,
        "Token.InvalidCredentials" or "Token.LockedOut" => StatusCodes.Status401Unauthorized,
        "Token.SecondFactorRequired" or "Token.PasswordChangeRequired" => StatusCodes.Status403Forbidden,
        "Token.SecondFactorInvalid" => StatusCodes.Status401Unauthorized,
        "Token.AccountDeactivated" => StatusCodes.Status403Forbidden,
        "License.TooManyDownloads" or "License.DownloadError" => StatusCodes.Status429TooManyRequests,
        _ when code.StartsWith("License.", StringComparison.Ordinal) => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    /// <summary>The generic code for a status nobody described (authentication challenges, routing, model binding).</summary>
    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Error.BadRequest",
        StatusCodes.Status401Unauthorized => "Error.Unauthorized",
        StatusCodes.Status403Forbidden => "Error.Forbidden",
        StatusCodes.Status404NotFound => "Error.NotFound",
        StatusCodes.Status405MethodNotAllowed => "Error.MethodNotAllowed",
        StatusCodes.Status413PayloadTooLarge => "Error.PayloadTooLarge",
        StatusCodes.Status415UnsupportedMediaType => "Error.UnsupportedMediaType",
        StatusCodes.Status429TooManyRequests => "Error.TooManyRequests",
        _ => "Error.Internal",
    };

    /// <summary>Service fields are C# property names ("MaxDesktops", "ExpiresOn"); the API's are camelCase JSON names.</summary>
    public static string ApiField(string field) => field switch
    {
        "" => "",
        "ExpiresOn" => "expiresAt",
        _ => char.ToLowerInvariant(field[0]) + field[1..],
    };

    public static string Message(IStringLocalizer<SharedResource> text, FieldError error) =>
        error.Arguments.Length == 0 ? text[error.Code] : text[error.Code, error.Arguments];

    /// <summary>
    /// For /api only: fills in a problem body for any error status that left the body empty (challenges, 404 routes,
    /// 429 from the rate limiter), answers requests that failed to bind with <see cref="ApiBindingProblems"/>, turns
    /// other exceptions into a 500 without a stack trace, and keeps the HTML status pages away from API answers.
    /// </summary>
    public static IApplicationBuilder UseApiProblems(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!IsApi(context.Request))
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
            {
                // Binding failures throw (ApiBindingProblems.AddApiBindingProblems); outside /api they stay a bare status.
                context.Response.StatusCode = bad.StatusCode;
            }
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await ApiBindingProblems.For(context, bad).ExecuteAsync(context);
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LicensePortal.Api").LogError(ex, "Unhandled error on {Path}", context.Request.Path);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
        if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && string.IsNullOrEmpty(context.Response.ContentType))
        {
            var text = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
            await Problem(text, context.Response.StatusCode, CodeFor(context.Response.StatusCode)).ExecuteAsync(context);
        }
    });

}

/// <summary>One of several field errors in a problem's <c>errors</c> list.</summary>
public sealed record ApiFieldError(string Field, string Code, string Detail);
