using System.Text;
using LicensePortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace LicensePortal.Email;

/// <summary>
/// The seed's "confirmed" flag made real: a new account with an unconfirmed address gets a link carrying Identity's
/// e-mail confirmation token; opening it (Areas/Identity/Pages/Account/ConfirmEmail) confirms the address. Expiry
/// reminders go to confirmed addresses only.
/// </summary>
public sealed class EmailConfirmation(IServiceScopeFactory scopeFactory, MailSender sender, MailMessages messages, ILogger<EmailConfirmation> logger)
{
    public const string ConfirmPage = "Identity/Account/ConfirmEmail";

    /// <summary>
    /// Sends the confirmation link to the account's address; false when there is nothing to send (no mail configured,
    /// no address, already confirmed) or the SMTP server did not take it (logged; an administrator can send it again).
    /// </summary>
    public async Task<bool> SendLinkAsync(string userId, CancellationToken cancellationToken = default)
    {
        if (!sender.Enabled)
        {
            return false;
        }
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null || string.IsNullOrEmpty(user.Email) || user.EmailConfirmed)
        {
            return false;
        }
        var token = await users.GenerateEmailConfirmationTokenAsync(user);
        var link = new Uri(sender.PortalUrl, QueryHelpers.AddQueryString(ConfirmPage, new Dictionary<string, string?>
        {
            ["userId"] = user.Id,
            ["code"] = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token)),
        }));
        var message = messages.ConfirmationLink(user.PreferredLanguage, user.UserName ?? "", link);
        message.To.Add(new MimeKit.MailboxAddress(user.UserName, user.Email));
        try
        {
            await sender.SendAsync(message, cancellationToken);
            logger.LogInformation("Sent the e-mail confirmation link to account {UserName}", user.UserName);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("The e-mail confirmation link to account {UserName} was not sent: {Error}", user.UserName, ex.Message);
            return false;
        }
    }

    /// <summary>Confirms the address when <paramref name="code"/> is the link's token for it; false for anything else.</summary>
    public async Task<bool> ConfirmAsync(string? userId, string? code)
    {
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(code) || !Services.StorableText.IsStorable(userId))
        {
            return false;
        }
        string token;
        try
        {
            token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return false;
        }
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return false;
        }
        // A link opened twice confirms again (the token is still valid): same answer, no change.
        var confirmed = await users.ConfirmEmailAsync(user, token);
        if (confirmed.Succeeded)
        {
            logger.LogInformation("Account {UserName} confirmed its e-mail address", user.UserName);
        }
        return confirmed.Succeeded;
    }
}
