using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>Where a sign-in lands when the account is locked out (five wrong passwords, PortalSetup).</summary>
[AllowAnonymous]
public sealed class LockoutModel : PageModel
{
    public void OnGet()
    {
    }
}
