using System.ComponentModel.DataAnnotations;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>
/// The signed-in account changes its own password. Replaces the default UI's page, whose client-side hint ("at least 6
/// characters") disagreed with the portal's rules: the rules here are the Identity options' (PasswordRules), and the
/// server's refusals are Identity's own errors, in the viewer's language (PortalIdentityErrors). An account with a
/// generated password is sent here until it has chosen one (AccountPages); the new cookie no longer says so.
/// </summary>
public sealed class ChangePasswordModel(UserManager<PortalUser> userManager, SignInManager<PortalUser> signInManager, IStringLocalizer<SharedResource> text, ILogger<ChangePasswordModel> logger) : PageModel
{
    [BindProperty]
    public PasswordInput Input { get; set; } = new();

    [TempData]
    public string? StatusMessage { get; set; }

    /// <summary>The account still has the password it was given (the first administrator's, or one an administrator generated).</summary>
    public bool MustChange => User.HasClaim(PortalClaimsPrincipalFactory.MustChangePasswordClaim, "true");

    public sealed class PasswordInput
    {
        [Required(ErrorMessage = "ChangePassword.Required"), DataType(DataType.Password)]
        public string OldPassword { get; set; } = "";

        // Only an upper bound here: the rules themselves are Identity's password validator's, checked once, by it.
        [Required(ErrorMessage = "ChangePassword.Required"), StringLength(256), DataType(DataType.Password)]
        public string NewPassword { get; set; } = "";

        [DataType(DataType.Password), Compare(nameof(NewPassword), ErrorMessage = "ChangePassword.Mismatch")]
        public string ConfirmPassword { get; set; } = "";
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User);
        return user is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = await userManager.GetUserAsync(User);
        if (user is null)
        {
            return NotFound();
        }
        var changed = await userManager.ChangePasswordAsync(user, Input.OldPassword, Input.NewPassword);
        if (!changed.Succeeded)
        {
            foreach (var error in changed.Errors)
            {
                ModelState.AddModelError(error.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "Input.OldPassword" : string.Empty, error.Description);
            }
            return Page();
        }
        // A new cookie: the old one carried the must-change claim, and the security stamp changed.
        await signInManager.RefreshSignInAsync(user);
        logger.LogInformation("{UserName} changed their password", user.UserName);
        StatusMessage = text["ChangePassword.Changed"];
        return RedirectToPage();
    }
}
