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

/// <summary>
/// What a host remembers beside its installed license, so that neither an older license file nor a wound-back clock is
/// accepted: the latest time it has trusted and the highest revision ever installed for each instance.
/// </summary>
/// <param name="TrustedTime">The newest of every clock reading and every license issue time this host has accepted.</param>
/// <param name="Revisions">The highest license revision installed, by instance name.</param>
public sealed record LicenseHighWater(DateTimeOffset TrustedTime, IReadOnlyDictionary<string, int> Revisions)
{
    /// <summary>Nothing remembered yet.</summary>
    public static LicenseHighWater None { get; } = new(DateTimeOffset.MinValue, new Dictionary<string, int>(StringComparer.Ordinal));

    /// <summary>The highest revision installed for an instance, 0 if none.</summary>
    /// <param name="instanceName">The instance name.</param>
    /// <returns>The revision.</returns>
    public int RevisionOf(string instanceName) => Revisions.TryGetValue(instanceName, out var revision) ? revision : 0;

    /// <summary>The mark after accepting a license (its revision and issue time) at <paramref name="now"/>; never lower than before.</summary>
    /// <param name="content">The accepted license content.</param>
    /// <param name="now">The clock reading.</param>
    /// <returns>The raised mark.</returns>
    public LicenseHighWater Raise(LicenseContent content, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(content);
        var revisions = new Dictionary<string, int>(Revisions, StringComparer.Ordinal)
        {
            [content.InstanceName] = Math.Max(RevisionOf(content.InstanceName), content.Revision),
        };
        return new LicenseHighWater(Max(Max(TrustedTime, now), content.IssuedAt), revisions);
    }

    /// <summary>The mark after a clock reading (a quota check); never lower than before.</summary>
    /// <param name="now">The clock reading.</param>
    /// <returns>The raised mark.</returns>
    public LicenseHighWater Raise(DateTimeOffset now) => now > TrustedTime ? this with { TrustedTime = now } : this;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>
/// Verifies license files offline against the vendor root public key the caller trusts (a constant in the product or
/// compiled into the agent): the file's signing key certificate must be signed by that root, and the license by the
/// certified key. Nothing in the file, or given at run time, can add a trusted key.
/// </summary>
public static class LicenseVerifier
{
    /// <summary>How far the clock may be behind the trusted time before it counts as wound back.</summary>
    public static readonly TimeSpan ClockWindBackTolerance = TimeSpan.FromHours(24);

    /// <summary>
    /// Verifies a license file, first failure wins: format; root key id; certificate signed by the root and naming the
    /// signing key; host key fingerprint; decryption; signature by the certified key; bindings inside the signed content;
    /// MAC and serial; issue time inside the certificate's validity; clock not wound back; issue time not in the future;
    /// expiry; revision not below the high-water mark. The order and codes are in docs/license-format.md, section 8.
    /// </summary>
    /// <param name="fileText">The license file text.</param>
    /// <param name="hostKey">This host's private key.</param>
    /// <param name="root">The one vendor root public key trusted here.</param>
    /// <param name="expectedHost">This host's MAC address and serial number.</param>
    /// <param name="now">The current time.</param>
    /// <param name="highWater">What this host remembers (highest revision, trusted time), or null on first use.</param>
    /// <returns>The result with a reason code.</returns>
    public static LicenseVerificationResult Verify(string fileText, HostKey hostKey, VendorRootPublicKey root, HostIdentity expectedHost, DateTimeOffset now, LicenseHighWater? highWater = null)
    {
        ArgumentNullException.ThrowIfNull(hostKey);
        ArgumentNullException.ThrowIfNull(root);
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
        if (!string.Equals(header.RootKeyId, root.KeyId, StringComparison.Ordinal))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.UnknownRootKey, $"The license's signing key is certified by root {header.RootKeyId}; only root {root.KeyId} is trusted here.");
        }

        var certificate = parsed.Certificate;
        if (certificate is null || !certificate.IsSignedBy(root))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.BadCertificate, parsed.CertificateProblem is { } problem
                ? $"The signing key certificate is invalid: {problem}"
                : $"The signing key certificate is not signed by the trusted root {root.KeyId}.");
        }

        if (!string.Equals(certificate.SigningKeyId, header.VendorKeyId, StringComparison.Ordinal))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.BadCertificate, $"The license names signing key {header.VendorKeyId} but carries the certificate of {certificate.SigningKeyId}.");
        }

        if (!Primitives.FixedTimeEquals(header.HostKeyFingerprint, hostKey.Fingerprint))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.NotForThisHost, "The license was issued for another host key.");
        }

        var inner = Decrypt(parsed, hostKey);
        if (inner is null)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.NotForThisHost, "The license cannot be decrypted with this host's key: it was issued for another host or has been damaged.");
        }

        var plaintext = inner.AsSpan(0, inner.Length - Primitives.SignatureSize);
        var signature = inner.AsSpan(inner.Length - Primitives.SignatureSize);
        if (!certificate.SigningKey.Verify(LicenseFile.SignatureDomain, plaintext, signature))
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

        return CheckContent(content, certificate, header, hostKey, expectedHost, now, highWater);
    }

    private static LicenseVerificationResult CheckContent(LicenseContent content, SigningKeyCertificate certificate, LicenseHeader header, HostKey hostKey, HostIdentity expectedHost, DateTimeOffset now, LicenseHighWater? highWater)
    {
        if (!string.Equals(content.VendorKeyId, header.VendorKeyId, StringComparison.Ordinal) || !string.Equals(content.RootKeyId, header.RootKeyId, StringComparison.Ordinal))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.BadSignature, "The signed content names other keys than the ones that signed and certified it.");
        }

        if (!Primitives.FixedTimeEquals(content.HostKeyFingerprint, hostKey.Fingerprint))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.NotForThisHost, "The signed content was issued for another host key (re-encrypted license).");
        }

        // The host key matched; the hardware must still be mostly the same (a replaced network card is tolerated, a copied key is not).
        var recorded = content.EffectiveHostIdentifiers;
        var present = expectedHost.Present(recorded);
        if (present.Count < content.EffectiveRequiredHostMatches)
        {
            var missing = string.Join(", ", recorded.Except(present));
            return LicenseVerificationResult.Fail(LicenseErrorCode.HostMismatch, $"The license needs {content.EffectiveRequiredHostMatches} of its {recorded.Count} host identifiers on this host, which presents {present.Count}; missing: {missing}.", content);
        }

        if (!certificate.Covers(content.IssuedAt))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.CertificateExpired, $"The license was issued at {content.IssuedAt:u}, outside its signing key's certificate ({SigningKeyCertificate.Format(certificate.ValidFrom)} to {SigningKeyCertificate.Format(certificate.ValidUntil)}).", content);
        }

        if (highWater is not null && now + ClockWindBackTolerance < highWater.TrustedTime)
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.ClockWoundBack, $"The clock says {now.ToUniversalTime():u}, more than 24 hours before {highWater.TrustedTime.ToUniversalTime():u}, a time this host has already seen: the clock was set back.", content);
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

        if (highWater is not null && content.Revision < highWater.RevisionOf(content.InstanceName))
        {
            return LicenseVerificationResult.Fail(LicenseErrorCode.OlderThanInstalled, $"The license is revision {content.Revision}, but revision {highWater.RevisionOf(content.InstanceName)} has already been installed here: an older license file was put back.", content);
        }

        return new LicenseVerificationResult(LicenseErrorCode.None, "The license is valid.", content);
    }

    private static byte[]? Decrypt(LicenseFile.Parsed parsed, HostKey hostKey)
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

        var key = LicenseFile.DeriveKey(shared, parsed.EphemeralPublic, hostKey.PublicKey.EncryptionKey, parsed.Header.RootKeyId, parsed.Header.VendorKeyId, hostKey.Fingerprint);
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
