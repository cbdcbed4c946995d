using System.Text;
using LicensePortal.Observability;
using LicensePortal.Options;
using LicensePortal.Resources;
using LicensePortal.Endpoints.Api;
using LicensePortal.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace LicensePortal.Endpoints;

/// <summary>
/// The seed's file URLs: /upload_hostinfo, /download_license and /static/license/&lt;NAME&gt;_LICENSE, now behind sign-in
/// and the instance's owner, plus the public key files (public by design): /vendor-root.pub, the vendor root hosts trust
/// (built into the agent), and /vendor-key[/{keyId}], the signing keys' public halves (every license carries its key's
/// certificate from the root, so hosts need no signing key file).
/// </summary>
public static class LicenseEndpoints
{
    public const string LicenseSuffix = "_LICENSE";

    public static IEndpointRouteBuilder MapLicenseEndpoints(this IEndpointRouteBuilder app)
    {
        // Cookie-only URLs whose GETs make revisions and count downloads: another site's page may not send them (decision 0011).
        app.MapGet("/download_license", DownloadLicenseAsync).RequireAuthorization().WithLicenseLogScope(LicenseLogScope.QueryInstance).RefuseUnstorableText().RequireRateLimiting(RateLimits.Download).RefuseCrossSiteCookieCallers();
        app.MapGet("/static/license/{fileName}", LatestLicenseAsync).RequireAuthorization().WithLicenseLogScope(LatestLicenseInstance).RefuseUnstorableText().RequireRateLimiting(RateLimits.Download).RefuseCrossSiteCookieCallers();
        // Old scripts post here with the cookie and no antiforgery token: the cross-site check is the forgery protection.
        app.MapPost("/upload_hostinfo", UploadHostInfoAsync).RequireAuthorization().WithLicenseLogScope(LicenseLogScope.QueryInstance).RefuseUnstorableText().DisableAntiforgery().RefuseCrossSiteCookieCallers()
            .WithHostInfoBodyLimit(app.ServiceProvider.GetRequiredService<IOptions<LicensingOptions>>().Value.HostInfoMaxBytes);
        app.MapGet("/vendor-root.pub", (VendorKeyStore keys, HttpContext context) =>
        {
            // The trust anchor changes only with a new root (a new agent build): cacheable by anyone for a day.
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return TypedResults.File(Encoding.UTF8.GetBytes(keys.Root.Export()), "application/x-pem-file", VendorKeyDirectory.RootPublicFile);
        }).AllowAnonymous();
        app.MapGet("/vendor-key", (VendorKeyStore keys) => VendorKeyFile(keys.CurrentInfo)).AllowAnonymous();
        app.MapGet("/vendor-key/{keyId}", Results<FileContentHttpResult, NotFound> (string keyId, VendorKeyStore keys) =>
            keys.Find(keyId) is { } key ? VendorKeyFile(key) : TypedResults.NotFound()).AllowAnonymous();
        return app;
    }

    private static string? LatestLicenseInstance(HttpContext context) =>
        context.Request.RouteValues["fileName"] is string file && file.EndsWith(LicenseSuffix, StringComparison.Ordinal) ? file[..^LicenseSuffix.Length] : null;

    private static async Task<IResult> DownloadLicenseAsync(string? instance, HttpContext context, LicenseService licenses, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(instance))
        {
            return Problem(text, StatusCodes.Status400BadRequest, new FieldError("instance", "Error.Required"));
        }
        var actor = PortalActor.From(context.User, RemoteAddress(context))!;
        var result = await licenses.GenerateAsync(actor, instance, RemoteAddress(context), cancellationToken);
        return ToFile(result, text, context);
    }

    private static async Task<IResult> LatestLicenseAsync(string fileName, HttpContext context, LicenseService licenses, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (!fileName.EndsWith(LicenseSuffix, StringComparison.Ordinal) || fileName.Length == LicenseSuffix.Length)
        {
            return Problem(text, StatusCodes.Status404NotFound, new FieldError("", "Error.NotFound"));
        }
        var actor = PortalActor.From(context.User, RemoteAddress(context))!;
        var result = await licenses.LatestAsync(actor, fileName[..^LicenseSuffix.Length], RemoteAddress(context), cancellationToken);
        return ToFile(result, text, context);
    }

    private static async Task<IResult> UploadHostInfoAsync(string? instance, HttpContext context, HostInfoIntake intake, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(instance))
        {
            return Problem(text, StatusCodes.Status400BadRequest, new FieldError("instance", "Error.Required"));
        }
        var upload = await HostInfoUpload.ReadAsync(context.Request, rawTypesOnly: false, cancellationToken);
        if (upload.File is not { } body)
        {
            return Problem(text, upload.Status, upload.Error!);
        }

        var actor = PortalActor.From(context.User, RemoteAddress(context))!;
        var result = await intake.UploadAsync(actor, instance, body, cancellationToken);
        return result.Failure switch
        {
            // 202 for a rebind request (pending: the instance stays on its current host until an administrator approves).
            Failure.None => TypedResults.Json(new
            {
                accepted = result.Value!.Accepted,
                pending = result.Value.Pending,
                status = result.Value.Status.ToString(),
                reason = result.Value.ReasonCode,
                message = text[result.Value.MessageCode].Value,
            }, statusCode: result.Value.Pending ? StatusCodes.Status202Accepted : StatusCodes.Status200OK),
            Failure.Invalid => Problem(text, result.Errors[0].Code == "HostInfo.TooLarge" ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, result.Errors[0]),
            Failure.Forbidden => Problem(text, StatusCodes.Status403Forbidden, result.Errors[0]),
            _ => Problem(text, StatusCodes.Status404NotFound, result.Errors[0]),
        };
    }

    private static IResult ToFile(ServiceResult<LicenseDownloadFile> result, IStringLocalizer<SharedResource> text, HttpContext context)
    {
        switch (result.Failure)
        {
            case Failure.None:
                context.Response.Headers.CacheControl = "no-store";
                return TypedResults.File(Encoding.UTF8.GetBytes(result.Value!.FileText), "application/octet-stream", result.Value.FileName);
            default:
                // The same answer as the API's: 404, 403, 409 for a state that refuses, 429 with Retry-After in DOWNLOADERROR.
                return ApiProblems.From(text, result, context, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        }
    }

    /// <summary>RFC 9457 problem details: a stable code, the field, and the message in the request's language.</summary>
    public static IResult Problem(IStringLocalizer<SharedResource> text, int status, FieldError error) =>
        TypedResults.Problem(
            detail: error.Arguments.Length == 0 ? text[error.Code] : text[error.Code, error.Arguments],
            statusCode: status,
            extensions: new Dictionary<string, object?> { ["code"] = error.Code, ["field"] = error.Field });

    private static FileContentHttpResult VendorKeyFile(VendorKeyInfo key) =>
        TypedResults.File(Encoding.UTF8.GetBytes(key.PublicKeyFile), "text/plain; charset=utf-8", $"licenseportal-vendor-{key.KeyId}.pub");

    internal static string RemoteAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "";
}
