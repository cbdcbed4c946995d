using System.ComponentModel.DataAnnotations;
using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>
/// The second sign-in step: the code of the authenticator app, after the password. Replaces the default UI's page so
/// it speaks the portal's languages; the rules are Identity's (SignInManager), the used-code memory PortalUserManager's.
/// AccountPages sends a browser without a password sign-in waiting here to the sign-in page.
/// </summary>
[AllowAnonymous]
public sealed class LoginWith2faModel(SignInManager<PortalUser> signInManager, IStringLocalizer<SharedResource> text, ILogger<LoginWith2faModel> logger) : PageModel
{
    [BindProperty]
    public CodeInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public bool RememberMe { get; set; }

    public string? ReturnUrl { get; set; }

    public sealed class CodeInput
    {
        [Required(ErrorMessage = "TwoFactor.CodeInvalid"), StringLength(7, MinimumLength = 6, ErrorMessage = "TwoFactor.CodeInvalid")]
        public string TwoFactorCode { get; set; } = "";

        public bool RememberMachine { get; set; }
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
        // Apps show the code as "123 456" or "123-456".
        var code = Input.TwoFactorCode.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var result = await signInManager.TwoFactorAuthenticatorSignInAsync(code, RememberMe, Input.RememberMachine);
        if (result.Succeeded)
        {
            logger.LogInformation("{UserName} signed in with an authenticator code", user.UserName);
            return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : Url.Content("~/"));
        }
        if (result.IsLockedOut)
        {
            logger.LogWarning("{UserName} is locked out", user.UserName);
            return RedirectToPage("./Lockout");
        }
        logger.LogWarning("Wrong authenticator code for {UserName}", user.UserName);
        ModelState.AddModelError("Input.TwoFactorCode", text["TwoFactor.CodeInvalid"]);
        return Page();
    }
}
