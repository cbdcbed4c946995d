using LicensePortal.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>Signing out: a POST (with the antiforgery token) from the account menu; a GET only asks or says it is done.</summary>
[AllowAnonymous]
public sealed class LogoutModel(SignInManager<PortalUser> signInManager, ILogger<LogoutModel> logger) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? returnUrl = null)
    {
        var name = User.Identity?.Name;
        await signInManager.SignOutAsync();
        if (name is not null)
        {
            logger.LogInformation("{UserName} signed out", name);
        }
        if (Url.IsLocalUrl(returnUrl))
        {
            return LocalRedirect(returnUrl);
        }
        // The page again, now for nobody: the layout and the page are drawn for a signed-out visitor.
        return RedirectToPage();
    }
}
