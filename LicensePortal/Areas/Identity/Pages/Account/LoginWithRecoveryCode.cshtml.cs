using System.ComponentModel.DataAnnotations;
using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>The second sign-in step with one of the recovery codes instead of the phone; each code works once (Identity).</summary>
[AllowAnonymous]
public sealed class LoginWithRecoveryCodeModel(SignInManager<PortalUser> signInManager, IStringLocalizer<SharedResource> text, ILogger<LoginWithRecoveryCodeModel> logger) : PageModel
{
    [BindProperty]
    public CodeInput Input { get; set; } = new();

    public string? ReturnUrl { get; set; }

    public sealed class CodeInput
    {
        [Required(ErrorMessage = "LoginRecovery.Invalid"), StringLength(64, ErrorMessage = "LoginRecovery.Invalid")]
        public string RecoveryCode { get; set; } = "";
    }

    public async Task<IActionResult> OnGetAsync(string? returnUrl = null)
    {
        if (await signInManager.GetTwoFactorAuthenticationUserAsync() is null)
        {
            return RedirectToPage("./Login");
        }
        ReturnUrl = returnUrl;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? returnUrl = null)
    {
        ReturnUrl = returnUrl;
        var user = await signInManager.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return RedirectToPage("./Login");
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var result = await signInManager.TwoFactorRecoveryCodeSignInAsync(Input.RecoveryCode.Replace(" ", "", StringComparison.Ordinal));
        if (result.Succeeded)
        {
            logger.LogInformation("{UserName} signed in with a recovery code", user.UserName);
            return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : Url.Content("~/"));
        }
        if (result.IsLockedOut)
        {
            logger.LogWarning("{UserName} is locked out", user.UserName);
            return RedirectToPage("./Lockout");
        }
        logger.LogWarning("Wrong recovery code for {UserName}", user.UserName);
        ModelState.AddModelError("Input.RecoveryCode", text["LoginRecovery.Invalid"]);
        return Page();
    }
}
