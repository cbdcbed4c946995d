using LicensePortal.Endpoints.Api;
using Microsoft.AspNetCore.RateLimiting;
using System.ComponentModel.DataAnnotations;
using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>
/// Sign-in by user name or e-mail. Unlike the default UI page (which takes an e-mail address only and never locks
/// out), every wrong password counts towards Identity's lockout.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimits.SignIn)]
public sealed class LoginModel(SignInManager<PortalUser> signInManager, UserManager<PortalUser> userManager, AccountSignInLimit accountLimit, IStringLocalizer<SharedResource> text, ILogger<LoginModel> logger) : PageModel
{
    [BindProperty]
    public LoginInput Input { get; set; } = new();

    public string? ReturnUrl { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public sealed class LoginInput
    {
        [Required, StringLength(256)]
        public string UserName { get; set; } = "";

        [Required, DataType(DataType.Password), StringLength(256)]
        public string Password { get; set; } = "";

        public bool RememberMe { get; set; }
    }

    public async Task OnGetAsync(string? returnUrl = null)
    {
        ReturnUrl = returnUrl;
        // Start from a clean slate: no half-finished external sign-in.
        await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
    }

    public async Task<IActionResult> OnPostAsync(string? returnUrl = null)
    {
        returnUrl = Url.IsLocalUrl(returnUrl) ? returnUrl : Url.Content("~/");
        if (!ModelState.IsValid)
        {
            ErrorMessage = text["Login.Failed"];
            return Page();
        }

        var name = Input.UserName.Trim();
        // An e-mail works as well as the user name.
        var user = await userManager.FindByNameAsync(name) ?? (name.Contains('@', StringComparison.Ordinal) ? await userManager.FindByEmailAsync(name) : null);
        // Per account as well as per address ([EnableRateLimiting]): many addresses guessing one account's password are slowed too.
        if (accountLimit.TryAttempt(user?.UserName ?? name) is { } wait)
        {
            logger.LogWarning("Sign-in attempts for {UserName} throttled", user?.UserName ?? "(no such account)"); // not what was typed: it may be a password
            AccountSignInLimit.SetRetryAfter(Response, wait);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            ErrorMessage = text["Login.TooManyAttempts"];
            return Page();
        }
        var result = user is null
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signInManager.PasswordSignInAsync(user, Input.Password, Input.RememberMe, lockoutOnFailure: true);

        if (result.Succeeded)
        {
            logger.LogInformation("{UserName} signed in", user!.UserName);
            return LocalRedirect(returnUrl);
        }
        if (result.RequiresTwoFactor)
        {
            return RedirectToPage("./LoginWith2fa", new { ReturnUrl = returnUrl, Input.RememberMe });
        }
        if (result.IsLockedOut)
        {
            logger.LogWarning("{UserName} is locked out", user!.UserName);
            return RedirectToPage("./Lockout");
        }
        ErrorMessage = result.IsNotAllowed ? text["Login.NotAllowed"] : text["Login.Failed"];
        return RedirectToPage(new { ReturnUrl = returnUrl });
    }
}
