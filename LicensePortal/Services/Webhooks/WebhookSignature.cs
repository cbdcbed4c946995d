using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LicensePortal.Services.Webhooks;

/// <summary>
/// The signature on every delivery: <c>LicensePortal-Signature: t=UNIX,v1=HEX</c>, HEX being HMAC-SHA256 keyed with the
/// endpoint's secret (its UTF-8 bytes) over <c>t + "." + body</c>. docs/webhooks.md shows receivers how to check it.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "LicensePortal-Signature";

    /// <summary>How far a receiver should let the timestamp be from its clock (replays outside it fail).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>A new secret: "whsec_" and 32 random bytes, base64url.</summary>
    public static string NewSecret() => "whsec_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body));
        return Convert.ToHexStringLower(mac);
    }

    public static string HeaderValue(string secret, long timestamp, string body) =>
        string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={Sign(secret, timestamp, body)}");

    /// <summary>What docs/webhooks.md's C# snippet does: the timestamp within <see cref="Tolerance"/> and a matching v1, in constant time.</summary>
    public static bool Verify(string secret, string header, string body, DateTimeOffset now)
    {
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var kv = part.Trim().Split('=', 2);
            if (kv.Length != 2)
            {
                continue;
            }
            if (kv[0] == "t" && long.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (kv[0] == "v1")
            {
                signatures.Add(kv[1]);
            }
        }
        if (timestamp is not { } ts || Math.Abs(now.ToUnixTimeSeconds() - ts) > Tolerance.TotalSeconds)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(secret, ts, body));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s)));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
