using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>/api/v1/users: the seed's 用户管理 (/create_user, /update_user, /update_user_status, /delete_users).</summary>
public static class UserApi
{
    public static void MapUserApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("", ListAsync).WithName("ListUsers").WithSummary("Accounts, a page at a time (staff).")
            .WithDescription(ApiEndpoints.PagingDescription +
                "`search` matches the start of the user name, e-mail or organization; `sortBy`: UserName, Email, Organization or CreatedAt; `descending`: true or false. Customers get 403.")
            .Produces<PageDto<UserDto>>();
        users.MapPost("", CreateAsync).WithName("CreateUser").WithSummary("Create an account (administrators). Without a password the answer carries initialPassword once.")
            .WithDescription("`userName` is required; `role` is Administrator, Support or User (default User); `isActive` defaults to true. " +
                "409 Error.DuplicateUserName or Error.DuplicateEmail; 422 a broken rule, on its field.")
            .Produces<CreatedUserDto>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        users.MapDelete("", DeleteManyAsync).WithName("DeleteUsers").WithSummary("Delete several accounts; each succeeds or fails on its own.")
            .WithDescription("Body: `ids`, 1 to 200 account ids (400 Error.Required or Error.TooMany otherwise). Each result says whether it was deleted " +
                "and if not why (Error.NotFound, Error.Forbidden, Error.CannotDeleteSelf, Error.LastAdministrator); 403 when none may be deleted.")
            .Produces<BulkResultDto>();
        users.MapGet("/{id}", GetAsync).WithName("GetUser").WithSummary("One account.")
            .WithDescription("Staff see every account, a customer only their own; any other id is 404.")
            .Produces<UserDto>();
        users.MapPut("/{id}", UpdateAsync).WithName("UpdateUser").WithSummary("Change an account (administrators); fields left out keep their value.")
            .WithDescription("Fields as on create, without `password` (400 Error.InvalidValue on field password: passwords change on the account page). " +
                "Send the `version` you read: if the account changed since, 409 Error.Conflict with the stored account under `current` and nothing is saved " +
                "(without `version` the change applies to the account as stored; a blank one is 400). " +
                "409 Error.DuplicateUserName, Error.DuplicateEmail or Error.LastAdministrator; 422 a broken rule, on its field.")
            .Produces<UserDto>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        users.MapDelete("/{id}", DeleteAsync).WithName("DeleteUser").WithSummary("Delete one account (administrators).")
            .WithDescription("204 when deleted; 409 Error.LastAdministrator for the last administrator; 422 Error.CannotDeleteSelf for your own account.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        users.MapPut("/{id}/status", SetStatusAsync).WithName("SetUserStatus").WithSummary("Activate or deactivate an account (administrators).")
            .WithDescription("Body: `isActive`, true or false, and optionally the `version` you read (409 Error.Conflict with `current` if the account changed since). " +
                "A deactivated account cannot sign in and its tokens stop working; 422 Error.CannotDeactivateSelf for your own account.")
            .Produces<UserDto>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        users.MapPost("/{id}/confirmation-link", SendConfirmationLinkAsync).WithName("SendConfirmationLink")
            .WithSummary("Send the account a new e-mail confirmation link (administrators).")
            .WithDescription("204 once the SMTP server took the mail (audited as user.confirmation-link-sent). " +
                "409 Users.ConfirmationNotNeeded when the address is confirmed already, or Users.ConfirmationMailOff when the portal sends no mail; " +
                "422 Users.ConfirmationNoAddress for an account without an address; 503 Users.ConfirmationNotSent when the SMTP server did not take it (try again later).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text,
        int? page, int? pageSize, string? search, string? sortBy, bool? descending, CancellationToken cancellationToken)
    {
        if (ApiEndpoints.PagingProblem(text, page, pageSize) is { } paging)
        {
            return paging;
        }
        if (!ApiEndpoints.TryParseEnum<UserSort>(sortBy, "sortBy", text, out var sort, out var problem))
        {
            return problem!;
        }
        var query = new UserQuery(page ?? 0, pageSize ?? 25, search, sort ?? UserSort.UserName, descending ?? false);
        var result = await service.ListAsync(ApiEndpoints.Actor(context), query, cancellationToken);
        return result.Succeeded
            ? TypedResults.Ok(new PageDto<UserDto>(result.Value!.Items.Select(UserDto.From).ToList(), result.Value.TotalCount, query.Page, query.PageSize))
            : ApiProblems.From(text, result);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var user = await service.GetAsync(ApiEndpoints.Actor(context), id, cancellationToken);
        return user is null ? ApiProblems.Problem(text, StatusCodes.Status404NotFound, "Error.NotFound") : TypedResults.Ok(UserDto.From(user));
    }

    private static async Task<IResult> CreateAsync([FromBody] UserRequest body, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var input = new UserInput(body.UserName ?? "", body.Email, body.Phone, body.Organization, body.OsAuthUrl, body.Role ?? PortalRole.User, body.IsActive ?? true, body.Confirmed ?? false, body.Language);
        var result = await service.CreateAsync(ApiEndpoints.Actor(context), input, body.Password, cancellationToken);
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result);
        }
        var created = result.Value!;
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"{ApiEndpoints.Prefix}/users/{Uri.EscapeDataString(created.User.Id)}", new CreatedUserDto(UserDto.From(created.User), created.InitialPassword));
    }

    private static async Task<IResult> UpdateAsync(string id, [FromBody] UserRequest body, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var actor = ApiEndpoints.Actor(context);
        var current = await service.GetAsync(actor, id, cancellationToken);
        if (current is null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status404NotFound, "Error.NotFound");
        }
        if (body.Password is not null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.InvalidValue", "password");
        }
        if (VersionProblem(text, body.Version) is { } badVersion)
        {
            return badVersion;
        }
        // Fields left out come from the read above, so that read's version guards them when the caller sent none.
        var input = new UserInput(
            body.UserName ?? current.UserName, body.Email ?? current.Email, body.Phone ?? current.Phone, body.Organization ?? current.Organization,
            body.OsAuthUrl ?? current.OsAuthUrl, body.Role ?? current.Role, body.IsActive ?? current.IsActive, body.Confirmed ?? current.Confirmed, body.Language);
        return Answer(text, await service.UpdateAsync(actor, id, input, body.Version ?? current.Version, cancellationToken));
    }

    private static async Task<IResult> SetStatusAsync(string id, [FromBody] UserStatusRequest body, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (VersionProblem(text, body.Version) is { } badVersion)
        {
            return badVersion;
        }
        return Answer(text, await service.SetActiveAsync(ApiEndpoints.Actor(context), id, body.IsActive, body.Version, cancellationToken));
    }

    private static async Task<IResult> SendConfirmationLinkAsync(string id, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.SendConfirmationLinkAsync(ApiEndpoints.Actor(context), id, cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiProblems.From(text, result);
    }

    /// <summary>The version is opaque: any other value is merely stale (409), but a blank one cannot have been read from us.</summary>
    private static IResult? VersionProblem(IStringLocalizer<SharedResource> text, string? version) =>
        version is not null && string.IsNullOrWhiteSpace(version)
            ? ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.InvalidValue", "version")
            : null;

    /// <summary>The changed account, or the problem; a stale version is 409 with the account as stored now under <c>current</c>, as for instances.</summary>
    private static IResult Answer(IStringLocalizer<SharedResource> text, ServiceResult<UserRow> result)
    {
        if (result.Failure == Failure.Conflict)
        {
            return TypedResults.Problem(
                detail: text["Error.Conflict"], statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["code"] = "Error.Conflict", ["field"] = "version", ["current"] = UserDto.From(result.Value!) });
        }
        return result.Succeeded ? TypedResults.Ok(UserDto.From(result.Value!)) : ApiProblems.From(text, result);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken) =>
        ApiEndpoints.SingleDelete(text, await service.DeleteAsync(ApiEndpoints.Actor(context), [id], cancellationToken));

    private static async Task<IResult> DeleteManyAsync([FromBody] DeleteUsersRequest body, HttpContext context, UserAdminService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (body.Ids is not { Count: > 0 } ids)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.Required", "ids");
        }
        if (ids.Count > ApiEndpoints.MaxPageSize)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError("ids", "Error.TooMany", ApiEndpoints.MaxPageSize));
        }
        var results = await service.DeleteAsync(ApiEndpoints.Actor(context), ids, cancellationToken);
        if (results.All(r => r.ErrorCode == "Error.Forbidden"))
        {
            return ApiProblems.Problem(text, StatusCodes.Status403Forbidden, "Error.Forbidden");
        }
        return TypedResults.Ok(ApiEndpoints.Bulk(text, results));
    }
}
