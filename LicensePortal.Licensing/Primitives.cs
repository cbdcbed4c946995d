using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace LicensePortal.Licensing;

/// <summary>The few cryptographic operations the formats use, in one place.</summary>
internal static class Primitives
{
    public const int KeySize = 32;
    public const int SignatureSize = 64;

    public static byte[] Ed25519PublicFromSeed(ReadOnlySpan<byte> seed) =>
        new Ed25519PrivateKeyParameters(seed).GeneratePublicKey().GetEncoded();

    public static byte[] Ed25519Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message) =>
        Ed25519Sign(new Ed25519PrivateKeyParameters(seed), domain, message);

    /// <summary>
    /// Signs with a key object that is kept: BouncyCastle derives and caches the public key inside it, which otherwise
    /// costs a second scalar multiplication on every signature.
    /// </summary>
    public static byte[] Ed25519Sign(Ed25519PrivateKeyParameters key, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, key);
        signer.BlockUpdate(domain);
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }

    /// <summary>
    /// RFC 8032 Ed25519 verification with BouncyCastle (S &lt; L, canonical encodings, cofactored equation), and R must be a
    /// point of prime order like the public key: then the cofactored and the cofactorless equations agree, so every
    /// signature accepted here is accepted by every strict verifier (OpenSSL, Go) and the other way round.
    /// </summary>
    public static bool Ed25519Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize || publicKey.Length != KeySize || !IsValidEd25519PublicKey(signature[..KeySize]))
        {
            return false;
        }

        Ed25519PublicKeyParameters key;
        try
        {
            key = new Ed25519PublicKeyParameters(publicKey);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(false, key);
        verifier.BlockUpdate(domain);
        verifier.BlockUpdate(message);
        return verifier.VerifySignature(signature.ToArray());
    }

    /// <summary>
    /// True if the 32 bytes are the canonical encoding (y &lt; p) of a curve point of prime order L: small-order points
    /// (the eight points of order 1, 2, 4 or 8, with which any message "verifies" for some signatures) and points with a
    /// small-order component are refused (BouncyCastle's full validation: encoding, curve equation, [L]A = identity).
    /// </summary>
    public static bool IsValidEd25519PublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == KeySize && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.ValidatePublicKeyFull(publicKey);

    public static byte[] X25519PublicFromPrivate(ReadOnlySpan<byte> privateKey) =>
        new X25519PrivateKeyParameters(privateKey).GeneratePublicKey().GetEncoded();

    /// <summary>X25519 shared secret; throws <see cref="CryptographicException"/> for a low-order peer key (all-zero secret).</summary>
    public static byte[] X25519Agree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        var agreement = new X25519Agreement();
        agreement.Init(new X25519PrivateKeyParameters(privateKey));
        var secret = new byte[agreement.AgreementSize];
        try
        {
            agreement.CalculateAgreement(new X25519PublicKeyParameters(peerPublicKey), secret, 0);
        }
        catch (InvalidOperationException ex)
        {
            throw new CryptographicException("X25519 agreement produced an all-zero secret (low-order public key).", ex);
        }

        return secret;
    }

    /// <summary>
    /// True for the canonical encoding of an X25519 u-coordinate: the top bit of the last byte clear and u &lt; p = 2^255 - 19,
    /// so one key has one spelling (RFC 7748 would silently reduce 2^255 - 19 + u to u and ignore the top bit).
    /// </summary>
    public static bool IsCanonicalX25519(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != KeySize || (publicKey[31] & 0x80) != 0)
        {
            return false;
        }

        // u >= p only when bytes 1..30 are 0xff, byte 31 is 0x7f and byte 0 is 0xed or more.
        if (publicKey[31] != 0x7f || publicKey[0] < 0xed)
        {
            return true;
        }

        for (var i = 1; i < 31; i++)
        {
            if (publicKey[i] != 0xff)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True for X25519 public keys of small order: their agreement with any clamped scalar is all zeros,
    /// so no license could be sealed to them. Checked with a fixed scalar (clamping removes the cofactor).
    /// </summary>
    public static bool IsLowOrderX25519(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> probe = stackalloc byte[KeySize];
        probe.Fill(0x42);
        try
        {
            CryptographicOperations.ZeroMemory(X25519Agree(probe, publicKey));
            return false;
        }
        catch (CryptographicException)
        {
            return true;
        }
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    public static bool IsLowerHex(string value, int length)
    {
        if (value.Length != length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Strict base64 of exactly <paramref name="length"/> bytes in canonical form.</summary>
    public static bool TryDecodeBase64(string value, int length, out byte[] bytes)
    {
        bytes = [];
        try
        {
            var decoded = Convert.FromBase64String(value);
            if (decoded.Length != length || !string.Equals(Convert.ToBase64String(decoded), value, StringComparison.Ordinal))
            {
                return false;
            }

            bytes = decoded;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
