using System.Globalization;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Observability;
using LicensePortal.Options;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// /api/v1/instances: the seed's 实例管理 (/add_instance, /update_instance, /delete_instances), host info upload,
/// license generation (/download_license), the latest file (/static/license/…), the history and activation tokens.
/// </summary>
public static class InstanceApi
{
    public static void MapInstanceApi(this RouteGroupBuilder api)
    {
        // Every line logged while answering an instance route names the user and the instance (Observability/LicenseLogScope).
        var instances = api.MapGroup("/instances").WithTags("Instances").WithLicenseLogScope(LicenseLogScope.RouteName);
        instances.MapGet("", ListAsync).WithName("ListInstances").WithSummary("Instances, a page at a time; filters: status, owner (user name), name (prefix), notSeenForDays (host last checked in more than N days ago).")
            .WithDescription(ApiEndpoints.PagingDescription +
                "`status`: TOUPLOAD, INFOERROR, TODOWNLOAD, DOWNLOADERROR or EXPIRED; `sortBy`: Name, Status, ExpiresOn, CreatedAt, UpdatedAt or DownloadCount; " +
                "a customer sees only their own instances. An unknown status, sort or day count is 400 Error.InvalidValue on its parameter.")
            .Produces<PageDto<InstanceDto>>();
        instances.MapPost("", CreateAsync).WithName("CreateInstance").WithSummary("Create an instance (administrators).")
            .WithDescription("`name`, `ownerId` (an account id) and `expiresAt` (yyyy-MM-dd) are required; quotas left out are 0. " +
                "409 Error.DuplicateInstanceName; 422 a broken rule (Error.Required, Error.OwnerNotFound, a quota out of range), on its field.")
            .Produces<InstanceDto>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        instances.MapDelete("", DeleteManyAsync).WithName("DeleteInstances").WithSummary("Delete several instances by name; each succeeds or fails on its own.")
            .WithDescription("Body: `names`, 1 to 200 instance names (400 Error.Required or Error.TooMany otherwise). Each result says whether it was deleted " +
                "and if not why (Error.NotFound, Error.Forbidden); 403 when none may be deleted.")
            .Produces<BulkResultDto>();
        instances.MapGet("/{name}", GetAsync).WithName("GetInstance")
            .WithSummary("One instance with its host identifiers, tolerance and pending host (a rebind request; null when none).")
            .WithDescription("A customer sees only their own instances; any other name is 404.")
            .Produces<InstanceDetailDto>();
        instances.MapPut("/{name}", UpdateAsync).WithName("UpdateInstance").WithSummary("Change quotas and expiry (administrators); fields left out keep their value.")
            .WithDescription("`version`, when given, must be the instance's current one: otherwise 409 Error.Conflict with the current values in `current`. " +
                "422 a broken rule (a quota out of range), on its field.")
            .Produces<InstanceDto>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        instances.MapDelete("/{name}", DeleteAsync).WithName("DeleteInstance").WithSummary("Delete one instance (administrators).")
            .WithDescription("204 when deleted; a customer may not delete (403).")
            .Produces(StatusCodes.Status204NoContent);
        instances.MapPost("/{name}/hostinfo", UploadHostInfoAsync).WithName("UploadHostInfo")
            .WithSummary("Upload the host info file: the request body, or multipart field \"file\" (64 KiB at most).")
            .AddOpenApiOperationTransformer(OpenApiShape.HostInfoFileBody)
            .WithDescription("200 accepted: the file's host is the instance's host (the first host, the same host key again, or an automatic " +
                "rebind within Licensing:RebindPolicy). 202 pending: a valid file for another host key while a host is on file is a rebind " +
                "request: `accepted` false, `pending` true; the instance, its host and its license stay as they are until an administrator " +
                "approves (POST /instances/{name}/pending-host/approve); a later request replaces it. 422: a file that fails its checks (INFOERROR).")
            .Produces<HostInfoResultDto>(StatusCodes.Status200OK).Produces<HostInfoResultDto>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new AllowActivationTokenAttribute())
            .WithHostInfoBodyLimit(((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<LicensingOptions>>().Value.HostInfoMaxBytes);
        instances.MapPost("/{name}/license", GenerateLicenseAsync).RequireRateLimiting(RateLimits.Download).WithName("GenerateLicense")
            .WithSummary("Generate (or re-issue) the license and download it: the seed's /download_license. The host agent checks in with headers X-Agent-Version and X-Installed-Revision.")
            .WithDescription("The answer is the license file (header X-License-Revision: its revision). 409 License.*: no license can be issued in the instance's state " +
                "(no host info yet, INFOERROR, EXPIRED); 429 License.TooManyDownloads or License.DownloadError with Retry-After; 400 a malformed check-in header.")
            .Produces<string>(StatusCodes.Status200OK, "application/octet-stream").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new AllowActivationTokenAttribute());
        instances.MapGet("/{name}/license", LatestLicenseAsync).RequireRateLimiting(RateLimits.Download).WithName("GetLatestLicense")
            .WithSummary("The latest license file already issued.")
            .WithDescription("The file as it was issued (header X-License-Revision); 409 License.* when none has been issued yet; 429 as for generating.")
            .Produces<string>(StatusCodes.Status200OK, "application/octet-stream").ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new AllowActivationTokenAttribute());
        instances.MapGet("/{name}/licenses", HistoryAsync).WithName("GetLicenseHistory").WithSummary("Every license revision, newest first, with its downloads.")
            .WithDescription("Each revision with when and by whom it was issued, the vendor key that signed it, the host key it is for, and its downloads.")
            .Produces<List<LicenseHistoryDto>>();
        instances.MapGet("/{name}/activation-tokens", ListActivationTokensAsync).WithName("ListActivationTokens")
            .WithSummary("The instance's activation tokens, without their secrets (owner or administrator).")
            .WithDescription("Revoked and expired tokens are listed too, with revokedAt and expiresAt.")
            .Produces<List<TokenDto>>();
        instances.MapPost("/{name}/activation-tokens", CreateActivationTokenAsync).WithName("CreateActivationToken")
            .WithSummary("A token that may only upload host info for this instance and fetch its license (owner or administrator). The answer holds it once.")
            .WithDescription("Body (optional): `expiresInDays`, the token's lifetime; outside the allowed range is 422 Token.ExpiryRange. The secret is in `token`, shown only in this answer.")
            .Produces<CreatedTokenDto>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        instances.MapDelete("/{name}/activation-tokens/{id:int}", RevokeActivationTokenAsync).WithName("RevokeActivationToken")
            .WithSummary("Revoke one of the instance's activation tokens (owner or administrator).")
            .WithDescription("The token stops working at once; the answer is the token as now listed, with revokedAt.")
            .Produces<TokenDto>();
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, InstanceService service, IStringLocalizer<SharedResource> text,
        int? page, int? pageSize, string? status, string? owner, string? name, string? sortBy, bool? descending, int? notSeenForDays, CancellationToken cancellationToken)
    {
        if (ApiEndpoints.PagingProblem(text, page, pageSize) is { } paging)
        {
            return paging;
        }
        if (notSeenForDays is { } days && !HostCheckInRules.IsValidNotSeenForDays(days))
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.InvalidValue", "notSeenForDays");
        }
        if (!ApiEndpoints.TryParseEnum<InstanceStatus>(status, "status", text, out var statusFilter, out var problem)
            || !ApiEndpoints.TryParseEnum<InstanceSort>(sortBy, "sortBy", text, out var sort, out problem))
        {
            return problem!;
        }
        var query = new InstanceQuery(page ?? 0, pageSize ?? 25, statusFilter, owner, name, sort ?? InstanceSort.Name, descending ?? false, notSeenForDays);
        var result = await service.ListAsync(ApiEndpoints.Actor(context), query, cancellationToken);
        return TypedResults.Ok(new PageDto<InstanceDto>(result.Items.Select(InstanceDto.From).ToList(), result.TotalCount, query.Page, query.PageSize));
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, HostBinding binding, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var view = await binding.GetAsync(ApiEndpoints.Actor(context), name, cancellationToken);
        return view is null ? ApiProblems.Problem(text, StatusCodes.Status404NotFound, "Error.NotFound") : TypedResults.Ok(InstanceDetailDto.From(view));
    }

    private static async Task<IResult> CreateAsync([FromBody] InstanceRequest body, HttpContext context, InstanceService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var quotas = new InstanceQuotas(body.MaxDesktops ?? 0, body.MaxImages ?? 0, body.MaxUsers ?? 0, body.MaxVcpus ?? 0, body.MaxVmemGib ?? 0, body.MaxVdiskGib ?? 0, body.ExpiresAt ?? default);
        if (body.ExpiresAt is null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status422UnprocessableEntity, "Error.Required", "expiresAt");
        }
        var result = await service.CreateAsync(ApiEndpoints.Actor(context), new NewInstance(body.Name ?? "", body.OwnerId ?? "", quotas), cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"{ApiEndpoints.Prefix}/instances/{Uri.EscapeDataString(result.Value!.Name)}", InstanceDto.From(result.Value))
            : ApiProblems.From(text, result);
    }

    private static async Task<IResult> UpdateAsync(string name, [FromBody] InstanceRequest body, HttpContext context, InstanceService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var actor = ApiEndpoints.Actor(context);
        var current = await service.FindByNameAsync(actor, name, cancellationToken);
        if (current is null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status404NotFound, "Error.NotFound");
        }
        var quotas = new InstanceQuotas(
            body.MaxDesktops ?? current.MaxDesktops, body.MaxImages ?? current.MaxImages, body.MaxUsers ?? current.MaxUsers, body.MaxVcpus ?? current.MaxVcpus,
            body.MaxVmemGib ?? current.MaxVmemGib, body.MaxVdiskGib ?? current.MaxVdiskGib, body.ExpiresAt ?? current.ExpiresOn);
        var result = await service.UpdateAsync(actor, current.Id, quotas, body.Version ?? current.Version, cancellationToken);
        if (result.Failure == Failure.Conflict)
        {
            return TypedResults.Problem(
                detail: text["Error.Conflict"], statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["code"] = "Error.Conflict", ["field"] = "version", ["current"] = InstanceDto.From(result.Value!) });
        }
        return result.Succeeded ? TypedResults.Ok(InstanceDto.From(result.Value!)) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, InstanceService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var actor = ApiEndpoints.Actor(context);
        var row = await service.FindByNameAsync(actor, name, cancellationToken);
        if (row is null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status404NotFound, "Error.NotFound");
        }
        return ApiEndpoints.SingleDelete(text, await service.DeleteAsync(actor, [row.Id], cancellationToken));
    }

    private static async Task<IResult> DeleteManyAsync([FromBody] DeleteInstancesRequest body, HttpContext context, InstanceService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (body.Names is not { Count: > 0 } names)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.Required", "names");
        }
        if (names.Count > ApiEndpoints.MaxPageSize)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError("names", "Error.TooMany", ApiEndpoints.MaxPageSize));
        }
        var actor = ApiEndpoints.Actor(context);
        var results = new List<BulkItemResult>();
        var ids = new List<int>();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var row = await service.FindByNameAsync(actor, name, cancellationToken);
            if (row is null)
            {
                results.Add(new BulkItemResult(name, false, "Error.NotFound"));
            }
            else
            {
                ids.Add(row.Id);
            }
        }
        if (ids.Count > 0)
        {
            var deleted = await service.DeleteAsync(actor, ids, cancellationToken);
            if (deleted.All(r => r.ErrorCode == "Error.Forbidden"))
            {
                return ApiProblems.Problem(text, StatusCodes.Status403Forbidden, "Error.Forbidden");
            }
            results.AddRange(deleted);
        }
        return TypedResults.Ok(ApiEndpoints.Bulk(text, results));
    }

    private static async Task<IResult> UploadHostInfoAsync(string name, HttpContext context, HostInfoIntake intake, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var upload = await HostInfoUpload.ReadAsync(context.Request, rawTypesOnly: true, cancellationToken);
        if (upload.File is not { } body)
        {
            return ApiProblems.Problem(text, upload.Status, upload.Error!);
        }

        var result = await intake.UploadAsync(ApiEndpoints.Actor(context), name, body, cancellationToken);
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result);
        }
        var outcome = result.Value!;
        if (outcome.ReasonCode is not null)
        {
            // A host info file that fails its checks: the instance is now INFOERROR, and the reason is the code.
            return TypedResults.Problem(
                detail: text[outcome.ReasonCode!], statusCode: StatusCodes.Status422UnprocessableEntity,
                extensions: new Dictionary<string, object?> { ["code"] = outcome.ReasonCode, ["field"] = "file", ["instanceStatus"] = outcome.Status.ToString() });
        }
        if (outcome.Pending)
        {
            // A rebind request: nothing changed but the pending host, which waits for an administrator.
            return TypedResults.Accepted($"{ApiEndpoints.Prefix}/instances/{Uri.EscapeDataString(outcome.Instance.Name)}",
                new HostInfoResultDto(false, true, outcome.Status.ToString(), null, text[outcome.MessageCode], InstanceDto.From(outcome.Instance)));
        }
        return TypedResults.Ok(new HostInfoResultDto(true, false, outcome.Status.ToString(), null, text[outcome.MessageCode], InstanceDto.From(outcome.Instance)));
    }

    private static async Task<IResult> GenerateLicenseAsync(string name, HttpContext context, LicenseService licenses, HostCheckInService checkIns, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken) =>
        await HostCheckInHeaders.RecordAsync(context, name, checkIns, text, cancellationToken)
        ?? LicenseFile(context, text, await licenses.GenerateAsync(ApiEndpoints.Actor(context), name, LicenseEndpoints.RemoteAddress(context), cancellationToken));

    private static async Task<IResult> LatestLicenseAsync(string name, HttpContext context, LicenseService licenses, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken) =>
        LicenseFile(context, text, await licenses.LatestAsync(ApiEndpoints.Actor(context), name, LicenseEndpoints.RemoteAddress(context), cancellationToken));

    private static IResult LicenseFile(HttpContext context, IStringLocalizer<SharedResource> text, ServiceResult<LicenseDownloadFile> result)
    {
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result, context, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        }
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-License-Revision"] = result.Value!.Revision.ToString(CultureInfo.InvariantCulture);
        return TypedResults.File(Encoding.UTF8.GetBytes(result.Value.FileText), "application/octet-stream", result.Value.FileName);
    }

    private static async Task<IResult> HistoryAsync(string name, HttpContext context, LicenseService licenses, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var history = await licenses.GetHistoryAsync(ApiEndpoints.Actor(context), name, cancellationToken: cancellationToken);
        return history is null
            ? ApiProblems.Problem(text, StatusCodes.Status404NotFound, "Error.NotFound")
            : TypedResults.Ok(history.Select(h => LicenseHistoryDto.From(h, text)).ToList());
    }

    private static async Task<IResult> ListActivationTokensAsync(string name, HttpContext context, ActivationTokenService tokens, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await tokens.ListActivationAsync(ApiEndpoints.Actor(context), name, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value!.Select(TokenDto.From).ToList()) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> CreateActivationTokenAsync(string name, [FromBody] ActivationTokenRequest? body, HttpContext context, ActivationTokenService tokens, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await tokens.CreateActivationAsync(ApiEndpoints.Actor(context), name, body?.ExpiresInDays, cancellationToken);
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result);
        }
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"{ApiEndpoints.Prefix}/instances/{Uri.EscapeDataString(name)}/activation-tokens/{result.Value!.Token.Id}", CreatedTokenDto.From(result.Value));
    }

    private static async Task<IResult> RevokeActivationTokenAsync(string name, int id, HttpContext context, ActivationTokenService tokens, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await tokens.RevokeActivationAsync(ApiEndpoints.Actor(context), name, id, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(TokenDto.From(result.Value!)) : ApiProblems.From(text, result);
    }
}
