using System.Globalization;
using System.Text;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace LicensePortal.Accounts;

/// <summary>
/// The password rules as the configured <see cref="PasswordOptions"/> state them (PortalSetup), worded for the
/// viewer and as the pattern the browser checks before sending: the page shows what the server will enforce, not a copy.
/// </summary>
public sealed class PasswordRules(IOptions<IdentityOptions> identity, IStringLocalizer<SharedResource> text)
{
    private PasswordOptions Options => identity.Value.Password;

    /// <summary>One line per rule, in the viewer's language ("at least 10 characters", "a digit (0–9)", ...).</summary>
    public IReadOnlyList<string> Describe()
    {
        var o = Options;
        var rules = new List<string> { text["Password.RuleLength", o.RequiredLength] };
        if (o.RequireUppercase)
        {
            rules.Add(text["Password.RuleUpper"]);
        }
        if (o.RequireLowercase)
        {
            rules.Add(text["Password.RuleLower"]);
        }
        if (o.RequireDigit)
        {
            rules.Add(text["Password.RuleDigit"]);
        }
        if (o.RequireNonAlphanumeric)
        {
            rules.Add(text["Password.RuleSymbol"]);
        }
        if (o.RequiredUniqueChars > 1)
        {
            rules.Add(text["Password.RuleUnique", o.RequiredUniqueChars]);
        }
        return rules;
    }

    /// <summary>The smallest length, for the input's minlength.</summary>
    public int MinimumLength => Options.RequiredLength;

    /// <summary>
    /// An HTML pattern (the browser anchors it and compiles it with the v flag) accepting what Identity's
    /// PasswordValidator accepts for the character classes: Identity counts only ASCII letters and digits as such, so a
    /// symbol is anything else. The unique-characters rule has no pattern; the server still checks it.
    /// </summary>
    public string Pattern
    {
        get
        {
            var o = Options;
            var pattern = new StringBuilder();
            if (o.RequireUppercase)
            {
                pattern.Append("(?=.*[A-Z])");
            }
            if (o.RequireLowercase)
            {
                pattern.Append("(?=.*[a-z])");
            }
            if (o.RequireDigit)
            {
                pattern.Append("(?=.*[0-9])");
            }
            if (o.RequireNonAlphanumeric)
            {
                pattern.Append("(?=.*[^A-Za-z0-9])");
            }
            pattern.Append(CultureInfo.InvariantCulture, $".{{{o.RequiredLength},}}");
            return pattern.ToString();
        }
    }
}
