using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>A new authenticator key (the phone was lost or the key seen): two-factor sign-in is off until the app is set up again.</summary>
public sealed class ResetAuthenticatorModel(UserManager<PortalUser> userManager, SignInManager<PortalUser> signInManager, IStringLocalizer<SharedResource> text, ILogger<ResetAuthenticatorModel> logger) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public async Task<IActionResult> OnGetAsync() => await userManager.GetUserAsync(User) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null)
        {
            return NotFound();
        }
        await userManager.SetTwoFactorEnabledAsync(user, false);
        await userManager.ResetAuthenticatorKeyAsync(user);
        // The security stamp changed: a new cookie keeps this browser signed in.
        await signInManager.RefreshSignInAsync(user);
        logger.LogInformation("{UserName} reset their authenticator key", user.UserName);
        StatusMessage = text["TwoFactor.ResetDone"];
        return RedirectToPage("./EnableAuthenticator");
    }
}
