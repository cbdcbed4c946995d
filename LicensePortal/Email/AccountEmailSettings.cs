using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.AspNetCore.Identity;

namespace LicensePortal.Email;

/// <summary>What a signed-in account sees and sets about its own mail: the address's state, the language, reminders on or off.</summary>
public sealed record AccountEmailView(string Email, bool Confirmed, string Language, bool RemindersOn, bool MailEnabled);

/// <summary>The account page's rules: each account reads and changes its own settings only (administrators set the language on /users).</summary>
public sealed class AccountEmailSettings(IServiceScopeFactory scopeFactory, MailSender sender, EmailConfirmation confirmation, ILogger<AccountEmailSettings> logger)
{
    public async Task<AccountEmailView?> GetAsync(PortalActor actor)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByIdAsync(actor.UserId);
        return user is null ? null : new AccountEmailView(user.Email ?? "", user.EmailConfirmed, MailCultures.IsSupported(user.PreferredLanguage) ? user.PreferredLanguage : MailCultures.Default, !user.ExpiryRemindersOff, sender.Enabled);
    }

    public async Task<ServiceResult<AccountEmailView>> SaveAsync(PortalActor actor, string language, bool remindersOn)
    {
        if (!MailCultures.IsSupported(language))
        {
            return ServiceResult<AccountEmailView>.Invalid("Language", "Error.UnknownLanguage");
        }
        // Two saves of one's own settings at once: the later one wins; a concurrent administrator edit is read again
        // (in a new scope: the old one's context still holds the stale account).
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = await users.FindByIdAsync(actor.UserId);
            if (user is null)
            {
                return ServiceResult<AccountEmailView>.NotFound();
            }
            user.PreferredLanguage = language;
            user.ExpiryRemindersOff = !remindersOn;
            var saved = await users.UpdateAsync(user);
            if (saved.Succeeded)
            {
                logger.LogInformation("{UserName} set their e-mail language to {Language}, reminders {State}", actor.UserName, language, remindersOn ? "on" : "off");
                return ServiceResult<AccountEmailView>.Ok((await GetAsync(actor))!);
            }
            if (!saved.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
            {
                return ServiceResult<AccountEmailView>.Invalid(UserChecks.MapIdentityErrors(saved));
            }
        }
        return ServiceResult<AccountEmailView>.Invalid("", "Error.Conflict");
    }

    /// <summary>The confirmation link once more, to the account's own address; false when it did not go.</summary>
    public Task<bool> SendLinkAgainAsync(PortalActor actor) => confirmation.SendLinkAgainAsync(actor, actor.UserId);
}
