using LicensePortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LicensePortal.Accounts;

/// <summary>
/// Identity's password hasher, which also accepts the first-generation system's Werkzeug hashes (kept as they were in
/// PasswordHash by the import). A right password against one answers SuccessRehashNeeded, so UserManager replaces it
/// with Identity's own hash on that first sign-in, token exchange or password change; new hashes are always Identity's.
/// </summary>
public sealed class PortalPasswordHasher(IOptions<PasswordHasherOptions>? options = null) : IPasswordHasher<PortalUser>
{
    private readonly PasswordHasher<PortalUser> identity = new(options);

    public string HashPassword(PortalUser user, string password) => identity.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
    {
        if (WerkzeugPasswordHash.IsLegacy(hashedPassword))
        {
            return WerkzeugPasswordHash.Verify(hashedPassword, providedPassword)
                ? PasswordVerificationResult.SuccessRehashNeeded
                : PasswordVerificationResult.Failed;
        }
        try
        {
            return identity.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
        catch (FormatException)
        {
            // Not base64, so not Identity's either: a damaged row is a wrong password, not a server error at sign-in.
            return PasswordVerificationResult.Failed;
        }
    }
}
