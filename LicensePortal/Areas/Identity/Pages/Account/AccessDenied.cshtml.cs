using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>Where a signed-in user lands on a page their role may not open (the cookie's access-denied path).</summary>
public sealed class AccessDeniedModel : PageModel
{
    public void OnGet()
    {
    }
}
