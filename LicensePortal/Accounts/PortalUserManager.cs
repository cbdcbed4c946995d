using System.Globalization;
using LicensePortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LicensePortal.Accounts;

/// <summary>
/// Identity's user manager, plus two rules: changing your password clears the "must change at first sign-in" flag, and
/// an authenticator code is good once (Identity accepts any code of the last and next 90 seconds, as often as it is sent).
/// </summary>
public sealed class PortalUserManager(
    IUserStore<PortalUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<PortalUser> passwordHasher,
    IEnumerable<IUserValidator<PortalUser>> userValidators,
    IEnumerable<IPasswordValidator<PortalUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<PortalUser>> logger,
    TimeProvider time)
    : UserManager<PortalUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override async Task<IdentityResult> ChangePasswordAsync(PortalUser user, string currentPassword, string newPassword)
    {
        ArgumentNullException.ThrowIfNull(user);
        var wasForced = user.MustChangePassword;
        user.MustChangePassword = false;
        var result = await base.ChangePasswordAsync(user, currentPassword, newPassword);
        if (!result.Succeeded)
        {
            user.MustChangePassword = wasForced;
        }
        return result;
    }

    /// <summary>Where the codes already used are kept: the user's token rows (AspNetUserTokens), beside the authenticator key.</summary>
    internal const string UsedCodesProvider = "[LicensePortal]";

    internal const string UsedCodesName = "UsedAuthenticatorCodes";

    /// <summary>
    /// How long a used code is remembered: longer than any code is accepted (5 time steps of 30 s, see
    /// AuthenticatorTokenProvider), so a code seen by someone else (over a shoulder, in a proxy log) cannot be sent again.
    /// </summary>
    private static readonly TimeSpan UsedCodeMemory = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Every check of an authenticator code comes here: the browser's second sign-in step, the two-factor setup page and
    /// the password-for-token exchange. A right code that was already used within <see cref="UsedCodeMemory"/> is refused.
    /// Saving the used code goes through the account's concurrency stamp, so of two requests racing with one code only one wins.
    /// </summary>
    public override async Task<bool> VerifyTwoFactorTokenAsync(PortalUser user, string tokenProvider, string token)
    {
        if (!await base.VerifyTwoFactorTokenAsync(user, tokenProvider, token))
        {
            return false;
        }
        if (tokenProvider != Options.Tokens.AuthenticatorTokenProvider)
        {
            return true;
        }
        // The provider reads the code as an integer ("012345", "12345" and " 12345" are one code): so does the record.
        if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.CurrentCulture, out var code))
        {
            return false;
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var since = now - (long)UsedCodeMemory.TotalSeconds;
        var used = ParseUsedCodes(await GetAuthenticationTokenAsync(user, UsedCodesProvider, UsedCodesName)).Where(u => u.At > since).ToList();
        if (used.Any(u => u.Code == code))
        {
            Logger.LogWarning("An authenticator code of {UserId} was sent again and refused", user.Id);
            return false;
        }
        used.Add((code, now));
        var saved = await SetAuthenticationTokenAsync(user, UsedCodesProvider, UsedCodesName,
            string.Join(';', used.Select(u => string.Create(CultureInfo.InvariantCulture, $"{u.Code}@{u.At}"))));
        return saved.Succeeded;
    }

    private static IEnumerable<(int Code, long At)> ParseUsedCodes(string? value)
    {
        foreach (var entry in (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split('@');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                yield return (code, at);
            }
        }
    }
}
