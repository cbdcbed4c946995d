using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>Ten new recovery codes replacing the old ones, shown once (ShowRecoveryCodes). Only with two-factor sign-in on (AccountPages).</summary>
public sealed class GenerateRecoveryCodesModel(UserManager<PortalUser> userManager, IStringLocalizer<SharedResource> text, ILogger<GenerateRecoveryCodesModel> logger) : PageModel
{
    [TempData]
    public string[]? RecoveryCodes { get; set; }

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
        if (!await userManager.GetTwoFactorEnabledAsync(user))
        {
            return RedirectToPage("./TwoFactorAuthentication");
        }
        RecoveryCodes = (await userManager.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))?.ToArray();
        logger.LogInformation("{UserName} generated new recovery codes", user.UserName);
        StatusMessage = text["TwoFactor.NewCodesDone"];
        return RedirectToPage("./ShowRecoveryCodes");
    }
}
