using System.Security.Cryptography;

namespace LicensePortal.Licensing;

/// <summary>The outcome of <see cref="LicenseVerifier.Verify"/>.</summary>
/// <param name="Code"><see cref="LicenseErrorCode.None"/> when valid, otherwise the first reason found.</param>
/// <param name="Message">English message (the portal localizes by <paramref name="Code"/>).</param>
/// <param name="Content">
/// The content when the vendor signature verified, even if a later check (host, time, revision) failed;
/// null when the file could not be decrypted or its signature did not verify.
/// </param>
public sealed record LicenseVerificationResult(LicenseErrorCode Code, string Message, LicenseContent? Content)
{
    /// <summary>True when the license is valid for this host now.</summary>
    public bool IsValid => Code == LicenseErrorCode.None;

    internal static LicenseVerificationResult Fail(LicenseErrorCode code, string message, LicenseContent? content = null) => new(code, message, content);
}

/// <summary>Verifies license files on the host (and in the portal, for a host whose key it holds in tests).</summary>
public static class LicenseVerifier
{
    /// <summary>
    /// Verifies a license file, in this order: format, vendor key trusted, host key fingerprint, decryption,
    /// vendor signature, bindings inside the signed content, MAC and serial, issue time, expiry, revision.
    /// </summary>
    /// <param name="fileText">The armored license file.</param>
    /// <param name="hostKey">This host's private key.</param>
    /// <param name="trustedKeys">Vendor public keys this host trusts.</param>
    /// <param name="expectedHost">This host's MAC address and serial number.</param>
    /// <param name="now">The current time.</param>
    /// <param name="installed">The currently installed license content, if any: an older one is refused.</param>
    /// <returns>The result with a reason code.</returns>
    public static LicenseVerificationResult Verify(string fileText, HostKey hostKey, IReadOnlyCollection<VendorPublicKey> trustedKeys, HostIdentity expectedHost, DateTimeOffset now, LicenseContent? installed = null)
    {
        ArgumentNullException.ThrowIfNull(hostKey);
        ArgumentNullException.ThrowIfNull(trustedKeys);
        ArgumentNullException.ThrowIfNull(expectedHost);

        LicenseFile.Parsed parsed;
        try
        {
            parsed = LicenseFile.Read(fileText);
        }
        catch (LicenseException ex)
        {
            return LicenseVerificationResult.Fail(ex.Code, ex.Message);
        }

        var header = parsed.Header;
        var vendor = trustedKeys.FirstOrDefault(k => string.Equals(k.KeyId, header.VendorKeyId, StringComparison.Ordinal));
        if (vendor is null)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.UnknownVendorKey, $"The license is signed by vendor key {header.VendorKeyId}, which this host does not trust.");
        }

        if (!Primitives.FixedTimeEquals(header.HostKeyFingerprint, hostKey.Fingerprint))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.NotForThisHost, "The license was issued for another host key.");
        }

        var inner = Decrypt(parsed, hostKey, vendor.KeyId);
        if (inner is null)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.NotForThisHost, "The license cannot be decrypted with this host's key: it was issued for another host or has been damaged.");
        }

        var plaintext = inner.AsSpan(0, inner.Length - Primitives.SignatureSize);
        var signature = inner.AsSpan(inner.Length - Primitives.SignatureSize);
        if (!vendor.Verify(LicenseFile.SignatureDomain, plaintext, signature))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.BadSignature, "The vendor signature does not verify.");
        }

        LicenseContent content;
        try
        {
            content = LicenseContent.Parse(TextInput.StrictUtf8.GetString(plaintext));
        }
        catch (Exception ex) when (ex is LicenseException or System.Text.DecoderFallbackException)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.Malformed, $"The signed license content is malformed: {ex.Message}");
        }

        if (!string.Equals(content.VendorKeyId, vendor.KeyId, StringComparison.Ordinal))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.BadSignature, "The signed content names another vendor key than the one that signed it.");
        }

        if (!Primitives.FixedTimeEquals(content.HostKeyFingerprint, hostKey.Fingerprint))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.NotForThisHost, "The signed content was issued for another host key (re-encrypted license).");
        }

        if (!string.Equals(content.Mac, expectedHost.Mac, StringComparison.Ordinal) || !string.Equals(content.SerialNumber, expectedHost.SerialNumber, StringComparison.Ordinal))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.HostMismatch, $"The license is for MAC {content.Mac} and serial '{content.SerialNumber}', but this host has MAC {expectedHost.Mac} and serial '{expectedHost.SerialNumber}'.", content);
        }

        if (content.IssuedAt > now + LicenseFile.ClockSkew)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.IssuedInFuture, $"The license was issued at {content.IssuedAt:u}, later than the current time {now.ToUniversalTime():u}: check the clock.", content);
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (content.ExpiresOn < today)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.Expired, $"The license expired on {content.ExpiresOn:yyyy-MM-dd}.", content);
        }

        if (installed is not null && IsOlder(content, installed))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.OlderThanInstalled, $"The license (revision {content.Revision}, issued {content.IssuedAt:u}) is older than the installed one (revision {installed.Revision}, issued {installed.IssuedAt:u}).", content);
        }

        return new LicenseVerificationResult(LicenseErrorCode.None, "The license is valid.", content);
    }

    /// <summary>Older: a lower revision, or the same revision with different content issued earlier.</summary>
    internal static bool IsOlder(LicenseContent candidate, LicenseContent installed) =>
        candidate.Revision < installed.Revision
        || (candidate.Revision == installed.Revision && !candidate.SameAs(installed) && candidate.IssuedAt < installed.IssuedAt);

    private static byte[]? Decrypt(LicenseFile.Parsed parsed, HostKey hostKey, string vendorKeyId)
    {
        byte[] shared;
        try
        {
            shared = hostKey.Agree(parsed.EphemeralPublic);
        }
        catch (CryptographicException)
        {
            return null;
        }

        var key = LicenseFile.DeriveKey(shared, parsed.EphemeralPublic, hostKey.PublicKey.EncryptionKey, vendorKeyId, hostKey.Fingerprint);
        CryptographicOperations.ZeroMemory(shared);
        var body = parsed.Body;
        var cipherLength = body.Length - LicenseFile.NonceSize - LicenseFile.TagSize;
        var inner = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(key, LicenseFile.TagSize);
            aes.Decrypt(body.AsSpan(0, LicenseFile.NonceSize), body.AsSpan(LicenseFile.NonceSize, cipherLength), body.AsSpan(LicenseFile.NonceSize + cipherLength), inner, parsed.AssociatedData);
            return inner;
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
