// example: begin
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Receiver;

public static class LicensePortalWebhook
{
    /// <summary>
    /// True when <paramref name="signatureHeader"/> (LicensePortal-Signature) signs <paramref name="body"/> (the raw
    /// request body, exactly as received) with <paramref name="secret"/>, at most 5 minutes from <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string signatureHeader, string body, DateTimeOffset now)
    {
        long timestamp = -1;
        var signatures = new List<string>();
        foreach (var part in signatureHeader.Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair.Length != 2)
            {
                continue;
            }
            if (pair[0] == "t" && !long.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
            {
                return false;
            }
            if (pair[0] == "v1")
            {
                signatures.Add(pair[1]);
            }
        }
        // A delivery captured and replayed later is refused (a redelivery is signed anew).
        if (timestamp < 0 || Math.Abs(now.ToUnixTimeSeconds() - timestamp) > 300)
        {
            return false;
        }
        var signed = timestamp.ToString(CultureInfo.InvariantCulture) + "." + body;
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signed));
        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(mac));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s)));
    }
}
// example: end
