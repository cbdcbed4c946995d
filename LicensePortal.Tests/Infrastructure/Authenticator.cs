using OtpNet;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>An authenticator app, as the user's phone runs it: RFC 6238 codes (Otp.NET, not Identity's own code) from the shared key the portal shows.</summary>
public sealed class Authenticator(string sharedKey)
{
    private readonly Totp _totp = new(Base32Encoding.ToBytes(sharedKey.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()));

    /// <summary>The code the app shows now, or <paramref name="steps"/> 30-second steps from now.</summary>
    public string Code(int steps = 0) => _totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30 * steps));

    /// <summary>A 6-digit code that none of the steps the portal accepts (now ± 2) shows.</summary>
    public string WrongCode()
    {
        var valid = Enumerable.Range(-3, 7).Select(Code).ToHashSet();
        return Enumerable.Range(0, 100).Select(i => ((int.Parse(Code(), System.Globalization.CultureInfo.InvariantCulture) + 1 + (i * 7919)) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
            .First(c => !valid.Contains(c));
    }
}
