using System.Security.Cryptography;
using System.Text;

namespace LicensePortal.Accounts;

/// <summary>
/// Checks password hashes written by Werkzeug (werkzeug.security.generate_password_hash), the first-generation Flask
/// system's format, so imported accounts keep their passwords until their first sign-in re-hashes them
/// (<see cref="PortalPasswordHasher"/>). The portal only ever verifies these, never writes them.
/// Formats, as Werkzeug's check_password_hash reads them ("method$salt$hex", the salt's UTF-8 bytes as the salt,
/// the derived key as lower-case hex):
///   pbkdf2:HASH:ITERATIONS  hashlib.pbkdf2_hmac, key as long as HASH's digest (sha1, sha256, sha384, sha512);
///   pbkdf2:HASH, pbkdf2     no count: the checking Werkzeug's own default, which has changed over the versions;
///   scrypt:N:r:p, scrypt    hashlib.scrypt, 64-byte key, Werkzeug's maxmem of 132·N·r·p (bare: 32768:8:1).
/// Werkzeug's older salted-HMAC and "plain" methods (removed in Werkzeug 3.0) are not accepted.
/// </summary>
public static class WerkzeugPasswordHash
{
    /// <summary>
    /// A stored row is data, not code: a count of 2,000,000,000 would hold a sign-in thread for hours. Twice Werkzeug's
    /// current default (1,000,000) leaves room for every hash Werkzeug ever wrote by default and bounds a check to about a second.
    /// </summary>
    public const int MaxPbkdf2Iterations = 2_000_000;

    /// <summary>
    /// N·r·p bounds scrypt's time and (128·N·r bytes) memory: four times Werkzeug's default 32768·8·1, so at most
    /// 128 MiB and a few times the default's time for one check.
    /// </summary>
    public const long MaxScryptWork = 1L << 20;

    /// <summary>Longer rows are not Werkzeug's (its salts are 8 or 16 characters); nothing unbounded gets hashed.</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// DEFAULT_PBKDF2_ITERATIONS over Werkzeug's history (0.9: 1000, 0.15: 50000, 1.0: 150000, 2.0: 260000,
    /// 2.3: 600000, 3.1: 1000000). Werkzeug always writes the count, so a row without one was made by hand and was
    /// checked with whatever the old system's Werkzeug had; which version that was is unknown, so each is tried.
    /// </summary>
    static readonly int[] HistoricalDefaultIterations = [1_000, 50_000, 150_000, 260_000, 600_000, 1_000_000];

    const int ScryptKeyLength = 64;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// True when the stored value is meant as a Werkzeug hash rather than Identity's: Identity's hashes are base64,
    /// which has no '$', and every Werkzeug hash has two. A malformed one is still Werkzeug's (and verifies nothing).
    /// </summary>
    public static bool IsLegacy(string? hash) => hash is not null && hash.Contains('$');

    /// <summary>A hash in a Werkzeug format this portal can verify, within the limits above.</summary>
    public static bool IsWellFormed(string? hash) => Parse(hash) is not null;

    /// <summary>Whether the password matches; false (never an exception) for anything not well formed.</summary>
    public static bool Verify(string hash, string password)
    {
        var parsed = Parse(hash);
        if (parsed is null || password is null)
        {
            return false;
        }
        byte[] passwordBytes;
        try { passwordBytes = StrictUtf8.GetBytes(password); }
        catch (EncoderFallbackException) { return false; } // Python's str.encode() refuses lone surrogates too
        try
        {
            var matched = false;
            if (parsed.Scrypt is { } s)
            {
                var key = Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(passwordBytes, parsed.Salt, s.N, s.R, s.P, ScryptKeyLength);
                matched = CryptographicOperations.FixedTimeEquals(key, parsed.Expected);
            }
            else
            {
                foreach (var iterations in parsed.Iterations)
                {
                    var key = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, parsed.Salt, iterations, parsed.Digest, parsed.Expected.Length);
                    matched |= CryptographicOperations.FixedTimeEquals(key, parsed.Expected);
                }
            }
            return matched;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    sealed record Parsed(byte[] Salt, byte[] Expected, HashAlgorithmName Digest, int[] Iterations, (int N, int R, int P)? Scrypt);

    static Parsed? Parse(string? hash)
    {
        if (string.IsNullOrEmpty(hash) || hash.Length > MaxLength)
        {
            return null;
        }
        // As Werkzeug: split("$", 2), so the salt has no '$' and anything after the second is the (then non-hex) key.
        var first = hash.IndexOf('$');
        if (first < 0)
        {
            return null;
        }
        var second = hash.IndexOf('$', first + 1);
        if (second < 0)
        {
            return null;
        }
        var method = hash[..first].Split(':');
        var saltText = hash[(first + 1)..second];
        var hex = hash[(second + 1)..];
        if (saltText.Length == 0)
        {
            return null; // Werkzeug never writes an empty salt (older versions refused one)
        }
        byte[] salt;
        try { salt = StrictUtf8.GetBytes(saltText); }
        catch (EncoderFallbackException) { return null; }

        switch (method[0])
        {
            case "pbkdf2":
                if (method.Length > 3)
                {
                    return null;
                }
                var digestName = method.Length >= 2 ? method[1] : "sha256";
                (HashAlgorithmName digest, int length)? known = digestName switch
                {
                    "sha1" => (HashAlgorithmName.SHA1, 20),
                    "sha256" => (HashAlgorithmName.SHA256, 32),
                    "sha384" => (HashAlgorithmName.SHA384, 48),
                    "sha512" => (HashAlgorithmName.SHA512, 64),
                    _ => null,
                };
                if (known is not { } k)
                {
                    return null;
                }
                int[] iterations;
                if (method.Length == 3)
                {
                    if (!TryParseCount(method[2], out var count) || count < 1 || count > MaxPbkdf2Iterations)
                    {
                        return null;
                    }
                    iterations = [(int)count];
                }
                else
                {
                    iterations = HistoricalDefaultIterations;
                }
                var pbkdf2Key = ParseLowerHex(hex, k.length);
                return pbkdf2Key is null ? null : new Parsed(salt, pbkdf2Key, k.digest, iterations, null);

            case "scrypt":
                long n = 32768, r = 8, p = 1;
                if (method.Length == 4)
                {
                    if (!TryParseCount(method[1], out n) || !TryParseCount(method[2], out r) || !TryParseCount(method[3], out p))
                    {
                        return null;
                    }
                }
                else if (method.Length != 1)
                {
                    return null;
                }
                // What hashlib.scrypt accepts: N a power of two above 1, r and p positive, N < 2^(16r) (OpenSSL) ...
                if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1)
                {
                    return null;
                }
                if (16 * r < 63 && n >= 1L << (int)(16 * r))
                {
                    return null;
                }
                // ... the portal's bound (which also keeps the products below from overflowing) ...
                if (n > MaxScryptWork || r > MaxScryptWork || p > MaxScryptWork || n * r > MaxScryptWork || n * r * p > MaxScryptWork)
                {
                    return null;
                }
                // ... and OpenSSL's memory check against Werkzeug's maxmem, which small N fail: Werkzeug itself cannot check those.
                if (128 * r * p + 128 * r * (n + 2) > 132 * n * r * p)
                {
                    return null;
                }
                var scryptKey = ParseLowerHex(hex, ScryptKeyLength);
                return scryptKey is null ? null : new Parsed(salt, scryptKey, default, [], ((int)n, (int)r, (int)p));

            default:
                return null;
        }
    }

    /// <summary>Plain ASCII digits only (Python's int() would also take "+5", " 5", "5_0" and non-ASCII digits; Werkzeug writes none of those).</summary>
    static bool TryParseCount(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 10)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>Werkzeug compares the hex text itself, which it writes in lower case: upper case never matched there either.</summary>
    static byte[]? ParseLowerHex(string hex, int byteLength)
    {
        if (hex.Length != byteLength * 2)
        {
            return null;
        }
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return null;
            }
        }
        return Convert.FromHexString(hex);
    }
}
