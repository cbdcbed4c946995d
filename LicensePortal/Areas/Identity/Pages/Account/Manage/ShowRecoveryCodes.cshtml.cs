using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>The recovery codes just generated, carried once in TempData: reloading the page does not show them again.</summary>
public sealed class ShowRecoveryCodesModel : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    public IActionResult OnGet()
    {
        // Written by EnableAuthenticator and GenerateRecoveryCodes under the key "RecoveryCodes".
        if (TempData["RecoveryCodes"] is not string[] codes || codes.Length == 0)
        {
            return RedirectToPage("./TwoFactorAuthentication");
        }
        RecoveryCodes = codes;
        return Page();
    }
}
