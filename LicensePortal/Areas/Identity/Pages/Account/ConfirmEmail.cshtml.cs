using LicensePortal.Email;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LicensePortal.Areas.Identity.Pages.Account;

/// <summary>
/// Where the confirmation link in the mail lands (EmailConfirmation.SendLinkAsync): the link's Identity token confirms
/// the address, signed in or not. Replaces the default UI's page (English only, and not the portal's look).
/// </summary>
[AllowAnonymous]
public sealed class ConfirmEmailModel(EmailConfirmation confirmation) : PageModel
{
    public bool Confirmed { get; private set; }

    public async Task OnGetAsync(string? userId, string? code) =>
        Confirmed = await confirmation.ConfirmAsync(userId, code, HttpContext.Connection.RemoteIpAddress?.ToString());
}
