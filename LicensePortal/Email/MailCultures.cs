using System.Globalization;

namespace LicensePortal.Email;

/// <summary>The languages mail is written in: the portal's two, the default being the portal's default culture.</summary>
public static class MailCultures
{
    public const string Default = "zh-Hans";

    public static readonly IReadOnlyList<string> Supported = ["zh-Hans", "en"];

    public static bool IsSupported(string? language) => language is not null && Supported.Contains(language);

    /// <summary>A stored language as a culture; anything unknown is the default.</summary>
    public static CultureInfo Culture(string? language) => CultureInfo.GetCultureInfo(IsSupported(language) ? language! : Default);

    /// <summary>
    /// Runs <paramref name="compose"/> with <paramref name="language"/> as the UI culture (the resource localizer reads
    /// it), so a message is in its recipient's language whatever the request or background thread speaks.
    /// </summary>
    public static T In<T>(string? language, Func<T> compose)
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        var target = Culture(language);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = target;
        try
        {
            return compose();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }
}
