using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>/api/v1/tokens: personal API tokens. Creating one with a password is open (rate-limited; lockout applies).</summary>
public static class TokenApi
{
    public static void MapTokenApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens");
        tokens.MapPost("", CreateAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn).WithName("CreateToken")
            .WithSummary("Exchange a user name and password for a personal token (field token, shown once).");
        tokens.MapGet("", ListAsync).WithName("ListTokens").WithSummary("Your personal tokens, without their secrets.");
        tokens.MapDelete("/{id:int}", RevokeAsync).WithName("RevokeToken");
    }

    private static async Task<IResult> CreateAsync([FromBody] PasswordTokenRequest body, HttpContext context, ApiTokenService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.CreatePersonalWithPasswordAsync(body.UserName, body.Password, body.Name, body.ExpiresInDays, context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result);
        }
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"{ApiEndpoints.Prefix}/tokens/{result.Value!.Token.Id}", CreatedTokenDto.From(result.Value));
    }

    private static async Task<IResult> ListAsync(HttpContext context, ApiTokenService service, CancellationToken cancellationToken) =>
        TypedResults.Ok((await service.ListPersonalAsync(ApiEndpoints.Actor(context), cancellationToken)).Select(TokenDto.From).ToList());

    private static async Task<IResult> RevokeAsync(int id, HttpContext context, ApiTokenService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.RevokePersonalAsync(ApiEndpoints.Actor(context), id, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(TokenDto.From(result.Value!)) : ApiProblems.From(text, result);
    }
}
