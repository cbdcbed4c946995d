using LicensePortal.Licensing;
using LicensePortal.Services;

namespace LicensePortal.Commands;

/// <summary>The start-up check of the vendor key directory: the portal does not start with keys it cannot sign with.</summary>
public static class VendorKeyCheck
{
    /// <summary>
    /// Loads the <see cref="VendorKeyStore"/> (on an empty key directory: makes the root and a first certified key). On
    /// failure writes one line to <paramref name="error"/>, no stack trace, and returns false: the caller exits with 1.
    /// </summary>
    public static bool Passes(IServiceProvider services, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            services.GetRequiredService<VendorKeyStore>();
            return true;
        }
        catch (VendorKeySetupException ex)
        {
            error.WriteLine($"LicensePortal cannot start: {ex.Message}");
        }
        catch (KeyFileException ex)
        {
            error.WriteLine($"LicensePortal cannot start: a file in Licensing:KeyDirectory is damaged or of the wrong kind ({ex.Code}): {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"LicensePortal cannot start: Licensing:KeyDirectory cannot be read or written: {ex.Message}");
        }
        return false;
    }
}
