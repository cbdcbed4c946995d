using System.Globalization;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>Runs a read in a UI language, as a viewer of that language's page would get it.</summary>
public static class Cultures
{
    /// <summary><paramref name="read"/>'s answer with the culture set to <paramref name="name"/>; the thread's own culture is back afterwards.</summary>
    public static T InCulture<T>(string name, Func<T> read)
    {
        var (culture, ui) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
            return read();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, ui);
        }
    }
}
