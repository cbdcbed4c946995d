using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>Turns two-factor sign-in off; the key stays, so the same app turns it on again. AccountPages sends an account without it to the overview.</summary>
public sealed class Disable2faModel(UserManager<PortalUser> userManager, IStringLocalizer<SharedResource> text, ILogger<Disable2faModel> logger) : PageModel
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
        var disabled = await userManager.SetTwoFactorEnabledAsync(user, false);
        if (!disabled.Succeeded)
        {
            ModelState.AddModelError(string.Empty, string.Join(" ", disabled.Errors.Select(e => e.Description)));
            return Page();
        }
        logger.LogInformation("{UserName} turned off two-factor sign-in", user.UserName);
        StatusMessage = text["TwoFactor.DisableDone"];
        return RedirectToPage("./TwoFactorAuthentication");
    }
}
