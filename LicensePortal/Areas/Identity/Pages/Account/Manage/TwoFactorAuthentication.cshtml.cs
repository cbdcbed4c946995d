using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>The account's two-factor sign-in: whether it is on, the recovery codes left, and the ways to change it.</summary>
public sealed class TwoFactorAuthenticationModel(UserManager<PortalUser> userManager, SignInManager<PortalUser> signInManager, IStringLocalizer<SharedResource> text) : PageModel
{
    public bool HasAuthenticator { get; private set; }

    public bool IsEnabled { get; private set; }

    public bool IsMachineRemembered { get; private set; }

    public int RecoveryCodesLeft { get; private set; }

    [TempData]
    public string? StatusMessage { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null)
        {
            return NotFound();
        }
        HasAuthenticator = await userManager.GetAuthenticatorKeyAsync(user) is not null;
        IsEnabled = await userManager.GetTwoFactorEnabledAsync(user);
        IsMachineRemembered = await signInManager.IsTwoFactorClientRememberedAsync(user);
        RecoveryCodesLeft = await userManager.CountRecoveryCodesAsync(user);
        return Page();
    }

    /// <summary>Forgets this browser: the next sign-in here asks for a code again.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (await userManager.GetUserAsync(User) is null)
        {
            return NotFound();
        }
        await signInManager.ForgetTwoFactorClientAsync();
        StatusMessage = text["TwoFactor.BrowserForgotten"];
        return RedirectToPage();
    }
}
