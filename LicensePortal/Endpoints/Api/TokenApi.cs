using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// /api/v1/tokens: personal API tokens. Creating one with a password is open (rate-limited per address and per
/// account; lockout applies; two-factor accounts add their authenticator code): the
/// password exchange is here, the tokens themselves are <see cref="ApiTokenService"/>'s.
/// </summary>
public static class TokenApi
{
    public static void MapTokenApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapPost("", CreateAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn).WithName("CreateToken")
            .WithSummary("Exchange a user name and password for a personal token (field token, shown once).")
            .WithDescription("`userName` (or the e-mail), `password` and the token's `name` are required; `expiresInDays` is optional (422 Token.ExpiryRange outside its range); " +
                "`totp`, the authenticator's current 6-digit code, is required for an account with two-factor sign-in (each code is good once). " +
                "401 Token.InvalidCredentials, Token.LockedOut or Token.SecondFactorInvalid; 403 Token.SecondFactorRequired, Token.AccountDeactivated or " +
                "Token.PasswordChangeRequired (change it on the web first); 422 a missing or invalid field (Token.SecondFactorFormat for `totp`); " +
                "429 too many attempts from this address or at this account. Wrong passwords and codes count toward lockout.")
            .Produces<CreatedTokenDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        tokens.MapGet("", ListAsync).WithName("ListTokens").WithSummary("Your personal tokens, without their secrets.")
            .WithDescription("Revoked and expired tokens are listed too, with revokedAt and expiresAt; the secrets are never shown again.")
            .Produces<List<TokenDto>>();
        tokens.MapDelete("/{id:int}", RevokeAsync).WithName("RevokeToken").WithSummary("Revoke one of your personal tokens.")
            .WithDescription("The token stops working at once; the answer is the token as now listed, with revokedAt.")
            .Produces<TokenDto>();
    }

    private static async Task<IResult> CreateAsync([FromBody] PasswordTokenRequest body, HttpContext context, ApiTokenService service, UserManager<PortalUser> users,
        SignInManager<PortalUser> signIn, AccountSignInLimit accountLimit, ILoggerFactory logs, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        // The request is checked before the password, so a malformed one never counts as a sign-in attempt.
        var errors = Validate(body);
        if (errors.Count > 0)
        {
            return ApiProblems.From(text, ServiceResult<CreatedToken>.Invalid(errors));
        }
        var presented = body.UserName!.Trim();
        var user = await users.FindByNameAsync(presented) ?? await users.FindByEmailAsync(presented);
        if (accountLimit.TryAttempt(user?.UserName ?? presented) is { } wait)
        {
            logs.CreateLogger(typeof(TokenApi)).LogWarning("Token requests for {UserName} throttled", user?.UserName ?? "(no such account)"); // not what was typed: it may be a password
            AccountSignInLimit.SetRetryAfter(context.Response, wait);
            return ApiProblems.Problem(text, StatusCodes.Status429TooManyRequests, "Error.TooManyRequests");
        }
        var remoteAddress = context.Connection.RemoteIpAddress?.ToString();
        var result = await ExchangePasswordAsync(body, user, remoteAddress, service, users, signIn, logs.CreateLogger(typeof(TokenApi)), cancellationToken);
        if (!result.Succeeded)
        {
            return ApiProblems.From(text, result);
        }
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"{ApiEndpoints.Prefix}/tokens/{result.Value!.Token.Id}", CreatedTokenDto.From(result.Value));
    }

    private static List<FieldError> Validate(PasswordTokenRequest body)
    {
        // Refused before any look-up: the name is asked of the database.
        var errors = StorableText.Check(("UserName", body.UserName), ("Totp", body.Totp));
        if (errors.Count > 0)
        {
            return errors;
        }
        if (string.IsNullOrWhiteSpace(body.UserName))
        {
            errors.Add(new FieldError("UserName", "Error.Required"));
        }
        if (string.IsNullOrEmpty(body.Password))
        {
            errors.Add(new FieldError("Password", "Error.Required"));
        }
        if (AuthenticatorCode(body.Totp) is { } totp && (totp.Length != 6 || !totp.All(char.IsAsciiDigit)))
        {
            errors.Add(new FieldError("Totp", "Token.SecondFactorFormat"));
        }
        errors.AddRange(ApiTokenService.ValidateName(body.Name?.Trim() ?? ""));
        errors.AddRange(ApiTokenService.ValidateLifetime(body.ExpiresInDays));
        return errors;
    }

    /// <summary>The code as authenticator apps show it ("123 456", "123-456") without its separators, as Identity's own pages take it.</summary>
    private static string? AuthenticatorCode(string? totp) =>
        string.IsNullOrEmpty(totp) ? null : totp.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    /// <summary>
    /// A script proves the password (and, for an account with two-factor sign-in, the authenticator code) and gets a
    /// personal token. Wrong passwords and wrong codes count towards lockout; a deactivated, locked or must-change
    /// account gets no token.
    /// </summary>
    private static async Task<ServiceResult<CreatedToken>> ExchangePasswordAsync(PasswordTokenRequest body, PortalUser? user, string? remoteAddress, ApiTokenService tokens,
        UserManager<PortalUser> users, SignInManager<PortalUser> signIn, ILogger logger, CancellationToken cancellationToken)
    {
        if (user is null)
        {
            return ServiceResult<CreatedToken>.Invalid("", "Token.InvalidCredentials");
        }
        var check = await signIn.CheckPasswordSignInAsync(user, body.Password!, lockoutOnFailure: true);
        if (check.IsLockedOut)
        {
            logger.LogWarning("Token request for locked-out account {UserName}", user.UserName);
            return ServiceResult<CreatedToken>.Invalid("", "Token.LockedOut");
        }
        if (check.IsNotAllowed)
        {
            // As on the sign-in page (PortalSignInManager.CanSignInAsync): a deactivated account is told so.
            logger.LogInformation("Token request for deactivated account {UserName} refused", user.UserName);
            return ServiceResult<CreatedToken>.Invalid("", "Token.AccountDeactivated");
        }
        if (!check.Succeeded)
        {
            logger.LogInformation("Token request for {UserName} refused", user.UserName);
            return ServiceResult<CreatedToken>.Invalid("", "Token.InvalidCredentials");
        }
        // The password alone is less than the browser asks for: an account with two-factor sign-in also proves its
        // authenticator code, checked (and kept from being used twice) by PortalUserManager, as the browser's is.
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            if (AuthenticatorCode(body.Totp) is not { } code)
            {
                logger.LogInformation("Token request for {UserName} refused: two-factor sign-in is on and no code was sent", user.UserName);
                return ServiceResult<CreatedToken>.Invalid("", "Token.SecondFactorRequired");
            }
            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
            {
                // With two-factor sign-in on, a right password does not reset the failure count, so wrong codes lock the account.
                await users.AccessFailedAsync(user);
                if (await users.IsLockedOutAsync(user))
                {
                    logger.LogWarning("Token request for {UserName}: wrong authenticator code, account locked", user.UserName);
                    return ServiceResult<CreatedToken>.Invalid("", "Token.LockedOut");
                }
                logger.LogInformation("Token request for {UserName} refused: wrong authenticator code", user.UserName);
                return ServiceResult<CreatedToken>.Invalid("Totp", "Token.SecondFactorInvalid");
            }
            await users.ResetAccessFailedCountAsync(user);
        }
        if (user.MustChangePassword)
        {
            logger.LogInformation("Token request for {UserName} refused: the password must be changed first", user.UserName);
            return ServiceResult<CreatedToken>.Invalid("", "Token.PasswordChangeRequired");
        }
        var role = PortalRole.Effective(await users.GetRolesAsync(user));
        var actor = new PortalActor(user.Id, user.UserName ?? "", role) { RemoteAddress = remoteAddress };
        return await tokens.CreatePersonalAsync(actor, body.Name, body.ExpiresInDays, cancellationToken);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ApiTokenService service, CancellationToken cancellationToken) =>
        TypedResults.Ok((await service.ListPersonalAsync(ApiEndpoints.Actor(context), cancellationToken)).Select(TokenDto.From).ToList());

    private static async Task<IResult> RevokeAsync(int id, HttpContext context, ApiTokenService service, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        var result = await service.RevokePersonalAsync(ApiEndpoints.Actor(context), id, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(TokenDto.From(result.Value!)) : ApiProblems.From(text, result);
    }
}
