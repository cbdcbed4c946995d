using LicensePortal.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace LicensePortal.Accounts;

/// <summary>
/// The parts of Identity's default UI the portal uses. Everything else it ships (self-registration, e-mail flows,
/// self-service profile and account deletion, personal data download) answers 404: only administrators manage accounts.
/// </summary>
public static class AccountPages
{
    public const string Login = "/Identity/Account/Login";
    public const string Logout = "/Identity/Account/Logout";
    public const string ChangePassword = "/Identity/Account/Manage/ChangePassword";

    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        "/Identity/Account/Login",
        "/Identity/Account/LoginWith2fa",
        "/Identity/Account/LoginWithRecoveryCode",
        "/Identity/Account/Logout",
        "/Identity/Account/Lockout",
        "/Identity/Account/AccessDenied",
        "/Identity/Account/ConfirmEmail",
        "/Identity/Account/Manage/ChangePassword",
        "/Identity/Account/Manage/TwoFactorAuthentication",
        "/Identity/Account/Manage/EnableAuthenticator",
        "/Identity/Account/Manage/ResetAuthenticator",
        "/Identity/Account/Manage/Disable2fa",
        "/Identity/Account/Manage/GenerateRecoveryCodes",
        "/Identity/Account/Manage/ShowRecoveryCodes",
    };

    /// <summary>Blocks the default UI pages the portal does not offer; sends signed-in users who must change their password there first.</summary>
    public static IApplicationBuilder UseAccountPageRules(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/Identity/Account", StringComparison.OrdinalIgnoreCase))
        {
            var page = path.Value!.TrimEnd('/');
            if (page.Equals("/Identity/Account/Manage", StringComparison.OrdinalIgnoreCase) || page.Equals("/Identity/Account/Manage/Index", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Redirect(ChangePassword);
                return;
            }
            if (!Allowed.Contains(page))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            if (await NothingToShowAsync(context, page) is { } elsewhere)
            {
                context.Response.Redirect(elsewhere);
                return;
            }
        }
        else if (context.User.HasClaim(PortalClaimsPrincipalFactory.MustChangePasswordClaim, "true")
            && !path.StartsWithSegments("/_framework") && !path.StartsWithSegments("/_content") && !path.StartsWithSegments("/assets")
            && !path.StartsWithSegments("/Identity") && !path.StartsWithSegments("/culture"))
        {
            context.Response.Redirect(ChangePassword);
            return;
        }
        await next();
    });

    private const string TwoFactorPage = "/Identity/Account/Manage/TwoFactorAuthentication";

    /// <summary>
    /// Identity's default pages throw (a 500) when there is nothing for them to act on: the second-factor sign-in pages
    /// without a password sign-in waiting for its second factor, the disable and recovery-code pages for an account
    /// without two-factor sign-in. Such a request goes where the caller can act instead.
    /// </summary>
    private static async Task<string?> NothingToShowAsync(HttpContext context, string page)
    {
        if (page.Equals("/Identity/Account/LoginWith2fa", StringComparison.OrdinalIgnoreCase) || page.Equals("/Identity/Account/LoginWithRecoveryCode", StringComparison.OrdinalIgnoreCase))
        {
            var waiting = await context.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme);
            return waiting.Succeeded ? null : Login;
        }
        if (page.Equals("/Identity/Account/Manage/Disable2fa", StringComparison.OrdinalIgnoreCase) || page.Equals("/Identity/Account/Manage/GenerateRecoveryCodes", StringComparison.OrdinalIgnoreCase))
        {
            var users = context.RequestServices.GetRequiredService<UserManager<PortalUser>>();
            var user = await users.GetUserAsync(context.User);
            return user is not null && !await users.GetTwoFactorEnabledAsync(user) ? TwoFactorPage : null;
        }
        return null;
    }
}
