using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace LicensePortal.Services;

/// <summary>
/// The format of API tokens, in one place: PREFIX ("lpat_" personal, "lpact_" activation) + 16 lower-case hex characters
/// of non-secret id + "_" + 32 random bytes in base64url. Only the SHA-256 of the secret part is stored; the id finds the
/// row by a unique index and the hashes are compared in constant time.
/// </summary>
public static class TokenFormat
{
    public const string PersonalPrefix = "lpat_";
    public const string ActivationPrefix = "lpact_";
    private const int TokenIdLength = 16;
    private const int SecretBytes = 32;

    /// <summary>A new token's non-secret id, its secret part, and the hash that is stored instead of the secret.</summary>
    public static (string TokenId, string Secret, byte[] Hash) NewSecret()
    {
        var tokenId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenIdLength / 2));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return (tokenId, secret, Hash(secret));
    }

    /// <summary>SHA-256 of the secret part: all that is stored.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Splits a token into its kind, id and secret; false for anything not in the format.</summary>
    public static bool TryParse(string? token, out bool activation, out string tokenId, out string secret)
    {
        activation = false;
        tokenId = "";
        secret = "";
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return false;
        }
        string rest;
        if (token.StartsWith(ActivationPrefix, StringComparison.Ordinal))
        {
            activation = true;
            rest = token[ActivationPrefix.Length..];
        }
        else if (token.StartsWith(PersonalPrefix, StringComparison.Ordinal))
        {
            rest = token[PersonalPrefix.Length..];
        }
        else
        {
            return false;
        }
        if (rest.Length < TokenIdLength + 2 || rest[TokenIdLength] != '_' || !rest[..TokenIdLength].All(char.IsAsciiHexDigitLower))
        {
            return false;
        }
        tokenId = rest[..TokenIdLength];
        secret = rest[(TokenIdLength + 1)..];
        return true;
    }

    /// <summary>The non-secret id of a well-formed token, for rate-limit partitions and logs; null otherwise.</summary>
    public static string? TokenIdOf(string? token) => TryParse(token, out _, out var id, out _) ? id : null;
}
