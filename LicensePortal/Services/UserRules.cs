using System.Text.RegularExpressions;
using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>The rules an account's fields obey (the seed's column sizes), shared by the pages and the API.</summary>
public static partial class UserRules
{
    public const int UserNameMaxLength = 64;
    public const int EmailMaxLength = 64;
    public const int OrganizationMaxLength = 64;
    public const int OsAuthUrlMaxLength = 256;

    /// <summary>The stored phone number: E.164, "+" and at most 15 digits (the column's size).</summary>
    public const int PhoneMaxLength = 16;

    /// <summary>A phone number as typed, with its spaces, dashes, dots and parentheses.</summary>
    public const int PhoneInputMaxLength = 32;

    // An optional "+", then digits with spaces, dashes, dots or parentheses between them.
    [GeneratedRegex(@"^\+?\(?[0-9](?:[ .()-]*[0-9])*\)?$")]
    private static partial Regex PhoneInputPattern();

    [GeneratedRegex("^[A-Za-z0-9._@+-]+$")]
    private static partial Regex UserNamePattern();

    public static IEnumerable<FieldError> Validate(UserInput input)
    {
        // Text no database can store is the only error shown for it; nothing else is asked of it (nor the database).
        var unstorable = Unstorable(input);
        if (unstorable.Count > 0)
        {
            foreach (var error in unstorable)
            {
                yield return error;
            }
            yield break;
        }
        if (string.IsNullOrWhiteSpace(input.UserName))
        {
            yield return new FieldError(nameof(UserInput.UserName), "Error.Required");
        }
        else if (input.UserName.Length > UserNameMaxLength)
        {
            yield return new FieldError(nameof(UserInput.UserName), "Error.TooLong", UserNameMaxLength);
        }
        else if (!UserNamePattern().IsMatch(input.UserName))
        {
            yield return new FieldError(nameof(UserInput.UserName), "Error.UserNameChars");
        }

        if (!string.IsNullOrEmpty(input.Email))
        {
            if (input.Email.Length > EmailMaxLength)
            {
                yield return new FieldError(nameof(UserInput.Email), "Error.TooLong", EmailMaxLength);
            }
            else if (!IsEmail(input.Email))
            {
                yield return new FieldError(nameof(UserInput.Email), "Error.EmailFormat");
            }
        }
        if (!string.IsNullOrEmpty(input.Phone) && StoredPhone(input.Phone) is null)
        {
            yield return new FieldError(nameof(UserInput.Phone), "Error.PhoneFormat");
        }
        if ((input.Organization?.Length ?? 0) > OrganizationMaxLength)
        {
            yield return new FieldError(nameof(UserInput.Organization), "Error.TooLong", OrganizationMaxLength);
        }
        if (!string.IsNullOrEmpty(input.OsAuthUrl))
        {
            if (input.OsAuthUrl.Length > OsAuthUrlMaxLength)
            {
                yield return new FieldError(nameof(UserInput.OsAuthUrl), "Error.TooLong", OsAuthUrlMaxLength);
            }
            else if (!Uri.TryCreate(input.OsAuthUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return new FieldError(nameof(UserInput.OsAuthUrl), "Error.UrlFormat");
            }
        }
        if (!PortalRole.BuiltIn.Any(r => r.Name == input.Role))
        {
            yield return new FieldError(nameof(UserInput.Role), "Error.UnknownRole");
        }
    }

    /// <summary>
    /// The phone number as stored, E.164 ("+" and 1 to 15 digits, the country code first), from what was typed; null when
    /// it is not one. Without "+" only the seed's numbers are known: 11 digits starting with 1 are a Chinese mobile number
    /// (the seed stored exactly those), so +86 is put in front; any other number without "+" lacks its country code.
    /// </summary>
    public static string? StoredPhone(string typed)
    {
        var trimmed = typed.Trim();
        if (trimmed.Length > PhoneInputMaxLength || !PhoneInputPattern().IsMatch(trimmed))
        {
            return null;
        }
        var digits = string.Concat(trimmed.Where(char.IsAsciiDigit));
        if (!trimmed.StartsWith('+'))
        {
            return digits.Length == 11 && digits[0] == '1' ? "+86" + digits : null;
        }
        // No country code starts with 0.
        return digits.Length <= PhoneMaxLength - 1 && digits[0] != '0' ? "+" + digits : null;
    }

    public static List<FieldError> Unstorable(UserInput input) => StorableText.Check(
        (nameof(UserInput.UserName), input.UserName), (nameof(UserInput.Email), input.Email), (nameof(UserInput.Phone), input.Phone),
        (nameof(UserInput.Organization), input.Organization), (nameof(UserInput.OsAuthUrl), input.OsAuthUrl), (nameof(UserInput.Role), input.Role));

    private static bool IsEmail(string value)
    {
        // MailAddress accepts display-name forms ("A <a@b>"); require the bare address and a dot-free-of-spaces domain.
        return System.Net.Mail.MailAddress.TryCreate(value, out var address)
            && address.Address == value
            && !value.Contains(' ', StringComparison.Ordinal)
            && address.Host.Length > 0;
    }
}
