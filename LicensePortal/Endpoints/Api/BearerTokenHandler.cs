using System.Security.Claims;
using System.Text.Encodings.Web;
using LicensePortal.Services;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// Authenticates <c>Authorization: Bearer lpat_…</c> (personal) and <c>Bearer lpact_…</c> (activation) tokens through
/// <see cref="ApiTokenService"/>. The token itself is never logged.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>Cookie or bearer, whichever the request carries: the scheme every /api/v1 endpoint authenticates with.</summary>
    public const string ApiSchemeName = "PortalApi";

    /// <summary>On an activation token's principal: the normalized name of its one instance.</summary>
    public const string ActivationInstanceClaim = "licenseportal:activation_instance";

    public const string TokenIdClaim = "licenseportal:token_id";

    public static string? BearerValue(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var value = BearerValue(Request);
        if (value is null)
        {
            return AuthenticateResult.NoResult();
        }
        var identity = await tokens.ValidateAsync(value, Context.RequestAborted);
        if (identity is null)
        {
            Logger.LogInformation("Refused a bearer token (id {TokenId})", ApiTokenService.TokenIdOf(value) ?? "malformed");
            return AuthenticateResult.Fail("invalid, expired or revoked token");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, identity.UserId),
            new(ClaimTypes.Name, identity.UserName),
            new(ClaimTypes.Role, identity.Role),
            new(TokenIdClaim, identity.TokenId),
        };
        if (identity.ActivationInstance is { } instance)
        {
            claims.Add(new Claim(ActivationInstanceClaim, instance));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>Makes a bearer token's user the request's user on /api paths, also where routing answers itself (404, 405, 415).</summary>
public static class ApiBearerUser
{
    public static IApplicationBuilder UseApiBearerUser(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (ApiProblems.IsApi(context.Request) && BearerTokenHandler.BearerValue(context.Request) is not null)
        {
            var result = await context.AuthenticateAsync(BearerTokenHandler.SchemeName);
            if (result.Succeeded)
            {
                context.User = result.Principal;
            }
        }
        await next(context);
    });
}
