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
public sealed class EmailConfirmation(IServiceScopeFactory scopeFactory, MailSender sender, MailMessages messages, TimeProvider time, ILogger<EmailConfirmation> logger)
{
    public const string ConfirmPage = "Identity/Account/ConfirmEmail";

    /// <summary>Whether the portal sends mail at all (Email:Smtp:Host is set).</summary>
    public bool MailEnabled => sender.Enabled;

    /// <summary>
    /// Sends the confirmation link to the account's address; false when there is nothing to send (no mail configured,
    /// no address, already confirmed) or the SMTP server did not take it (logged; an administrator can send it again).
    /// </summary>
    public Task<bool> SendLinkAsync(string userId, CancellationToken cancellationToken = default) => SendAsync(userId, null, cancellationToken);

    /// <summary>
    /// The link once more, asked for by <paramref name="actor"/> (the account itself, or an administrator: the callers
    /// check who may ask); audited once the SMTP server took it. False as for <see cref="SendLinkAsync"/>.
    /// </summary>
    public Task<bool> SendLinkAgainAsync(Services.PortalActor actor, string userId, CancellationToken cancellationToken = default) =>
        SendAsync(userId, actor, cancellationToken);

    private async Task<bool> SendAsync(string userId, Services.PortalActor? askedBy, CancellationToken cancellationToken)
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
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("The e-mail confirmation link to account {UserName} was not sent: {Error}", user.UserName, ex.Message);
            return false;
        }
        if (askedBy is not null)
        {
            // After the server took it (a mail cannot be part of a transaction): the entry says a link went out. The first
            // link, sent when the account is made or its address changed, is part of that change's entry.
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            Services.AuditLog.Add(db, askedBy, time.GetUtcNow().UtcDateTime, Services.AuditLog.ConfirmationLinkSentAgain, "user", user.UserName ?? user.Id,
                null, new { To = user.Email });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        return true;
    }

    /// <summary>
    /// Confirms the address when <paramref name="code"/> is the link's token for it; false for anything else. The first
    /// confirmation is audited, as done by the account (whoever opened the link had its mail), from <paramref name="remoteAddress"/>.
    /// </summary>
    public async Task<bool> ConfirmAsync(string? userId, string? code, string? remoteAddress = null)
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
        if (!user.EmailConfirmed)
        {
            // Tracked in the scope's context, which the user store's save writes: the flag and its entry commit together.
            // A refused token saves nothing, and the entry goes with the scope.
            var account = new Services.PortalActor(user.Id, user.UserName ?? "", "") { RemoteAddress = string.IsNullOrEmpty(remoteAddress) ? null : remoteAddress };
            Services.AuditLog.Add(scope.ServiceProvider.GetRequiredService<AppDbContext>(), account, time.GetUtcNow().UtcDateTime, Services.AuditLog.EmailConfirmed,
                "user", user.UserName ?? user.Id, new { Confirmed = false }, new { Confirmed = true });
        }
        // A link opened twice confirms again (the token is still valid): same answer, no change, no second entry.
        var confirmed = await users.ConfirmEmailAsync(user, token);
        if (confirmed.Succeeded)
        {
            logger.LogInformation("Account {UserName} confirmed its e-mail address", user.UserName);
        }
        return confirmed.Succeeded;
    }
}
