using System.Security.Cryptography;
using System.Text;

namespace LicensePortal.Licensing;

/// <summary>The visible header of a license file (no quotas: those are encrypted).</summary>
/// <param name="Format">Format version (3).</param>
/// <param name="RootKeyId">Key id of the vendor root that certified the signing key.</param>
/// <param name="VendorKeyId">Key id of the vendor signing key that signed the license.</param>
/// <param name="HostKeyFingerprint">Fingerprint of the host key the license is encrypted to.</param>
/// <param name="EphemeralKeyBase64">The sender's ephemeral X25519 public key, base64.</param>
public sealed record LicenseHeader(int Format, string RootKeyId, string VendorKeyId, string HostKeyFingerprint, string EphemeralKeyBase64);

/// <summary>
/// Issues license files (format 3): the content is signed with a certified vendor signing key, then content || signature
/// is sealed to the host's X25519 key in the manner of HPKE base mode (ephemeral X25519, HKDF-SHA256, AES-256-GCM with
/// the visible header as associated data) and armored as text, followed by the signing key's certificate from the
/// vendor root. See docs/license-format.md for every byte.
/// </summary>
public static class LicenseFile
{
    /// <summary>AES-GCM nonce size in bytes.</summary>
    public const int NonceSize = 12;

    /// <summary>AES-GCM tag size in bytes.</summary>
    public const int TagSize = 16;

    /// <summary>Tolerated clock difference: a license issued later than now + 5 minutes is refused.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The license format this library writes and reads.</summary>
    public const int FormatVersion = 2;

    internal static readonly byte[] SignatureDomain = Encoding.ASCII.GetBytes("licenseportal-license-v2\n");
    internal static readonly byte[] KdfLabel = Encoding.ASCII.GetBytes("licenseportal-license-v2");

    /// <summary>
    /// The format this library writes and reads. Format 3 added the host identifiers and their match count to the
    /// content; its keys, labels and envelope are those of format 2.
    /// </summary>
    private const string CurrentFormat = "3";

    private static readonly string[] HeaderNames = ["Format", "Root-Key-Id", "Signing-Key-Id", "Host-Key-Fingerprint", "Ephemeral-Key"];
    private static readonly string EndLine = "-----END " + KeyFiles.LicenseLabel + "-----\n";

    /// <summary>Issues a license file for one host.</summary>
    /// <param name="content">
    /// The license content. Empty <see cref="LicenseContent.VendorKeyId"/>, <see cref="LicenseContent.RootKeyId"/> and
    /// <see cref="LicenseContent.HostKeyFingerprint"/> are filled in.
    /// </param>
    /// <param name="vendorKey">The certified vendor signing key.</param>
    /// <param name="host">The host's public keys (from its verified host info file).</param>
    /// <returns>The license file text: the "-----BEGIN LICENSEPORTAL LICENSE-----" block, then the signing key certificate.</returns>
    /// <exception cref="ArgumentException">The content names another key, the certificate does not cover its issue time, or the host key is unusable.</exception>
    /// <exception cref="LicenseException">The content has an invalid value.</exception>
    public static string Issue(LicenseContent content, CertifiedSigningKey vendorKey, HostPublicKey host)
    {
        var ephemeral = RandomNumberGenerator.GetBytes(Primitives.KeySize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        try
        {
            return Issue(content, vendorKey, host, ephemeral, nonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeral);
        }
    }

    /// <summary>Issue with fixed ephemeral key and nonce. For test vectors only: never reuse them.</summary>
    internal static string Issue(LicenseContent content, CertifiedSigningKey signer, HostPublicKey host, ReadOnlySpan<byte> ephemeralPrivate, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var vendorKey = signer.Key;
        var rootKeyId = signer.RootKeyId;
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(vendorKey);
        ArgumentNullException.ThrowIfNull(host);
        if (ephemeralPrivate.Length != Primitives.KeySize || nonce.Length != NonceSize)
        {
            throw new ArgumentException("The ephemeral key is 32 bytes and the nonce 12 bytes.");
        }

        if (content.VendorKeyId.Length > 0 && !string.Equals(content.VendorKeyId, vendorKey.KeyId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The content names vendor key {content.VendorKeyId} but is signed with {vendorKey.KeyId}.", nameof(content));
        }

        if (content.HostKeyFingerprint.Length > 0 && !string.Equals(content.HostKeyFingerprint, host.Fingerprint, StringComparison.Ordinal))
        {
            throw new ArgumentException("The content names another host key fingerprint than the host it is issued to.", nameof(content));
        }

        if (content.RootKeyId.Length > 0 && !string.Equals(content.RootKeyId, rootKeyId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The content names root {content.RootKeyId} but the signing key is certified by {rootKeyId}.", nameof(content));
        }

        // A license the certificate does not cover would be refused by every host: never issue one.
        var issuedAt = content.IssuedAt.ToUniversalTime();
        var wholeSeconds = new DateTimeOffset(issuedAt.Ticks - (issuedAt.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        if (!signer.Certificate.Covers(wholeSeconds))
        {
            throw new ArgumentException($"The {signer.Certificate} does not cover the issue time {SigningKeyCertificate.Format(wholeSeconds)}.", nameof(content));
        }

        var bound = content with { VendorKeyId = vendorKey.KeyId, RootKeyId = rootKeyId, HostKeyFingerprint = host.Fingerprint };
        var plaintext = bound.ToBytes();
        var signature = vendorKey.Sign(SignatureDomain, plaintext);
        byte[] inner = [.. plaintext, .. signature];

        var ephemeralPublic = Primitives.X25519PublicFromPrivate(ephemeralPrivate);
        byte[] shared;
        try
        {
            shared = Primitives.X25519Agree(ephemeralPrivate, host.EncryptionKey);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException("The host encryption key is a low-order X25519 point and cannot be used.", nameof(host), ex);
        }

        var headers = BuildHeaders(rootKeyId, vendorKey.KeyId, host.Fingerprint, ephemeralPublic);
        var aad = Encoding.UTF8.GetBytes(Armor.HeaderText(headers));
        var key = DeriveKey(shared, ephemeralPublic, host.EncryptionKey, rootKeyId, vendorKey.KeyId, host.Fingerprint);
        var body = new byte[NonceSize + inner.Length + TagSize];
        nonce.CopyTo(body);
        using (var aes = new AesGcm(key, TagSize))
        {
            aes.Encrypt(nonce, inner, body.AsSpan(NonceSize, inner.Length), body.AsSpan(NonceSize + inner.Length, TagSize), aad);
        }

        CryptographicOperations.ZeroMemory(shared);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(inner);
        return Armor.Write(KeyFiles.LicenseLabel, headers, body) + signer.Certificate.Export();
    }

    /// <summary>Reads the visible header without any key (for display or routing).</summary>
    /// <param name="fileText">The license file text.</param>
    /// <returns>The header.</returns>
    /// <exception cref="LicenseException">The file is not a well-formed license file.</exception>
    public static LicenseHeader ReadHeader(string fileText) => Read(fileText).Header;

    internal static List<KeyValuePair<string, string>> BuildHeaders(string rootKeyId, string vendorKeyId, string fingerprint, ReadOnlySpan<byte> ephemeralPublic) =>
    [
        new(HeaderNames[0], CurrentFormat),
        new(HeaderNames[1], rootKeyId),
        new(HeaderNames[2], vendorKeyId),
        new(HeaderNames[3], fingerprint),
        new(HeaderNames[4], Convert.ToBase64String(ephemeralPublic)),
    ];

    /// <summary>
    /// HKDF-SHA256: ikm = X25519 shared secret; salt = ephemeral public || host X25519 public; info =
    /// "licenseportal-license-v2" 0x00 root key id 0x00 signing key id 0x00 host fingerprint 0x00 ephemeral public; 32 bytes.
    /// </summary>
    internal static byte[] DeriveKey(ReadOnlySpan<byte> shared, ReadOnlySpan<byte> ephemeralPublic, ReadOnlySpan<byte> hostEncryptionPublic, string rootKeyId, string vendorKeyId, string fingerprint)
    {
        byte[] salt = [.. ephemeralPublic, .. hostEncryptionPublic];
        byte[] info =
        [
            .. KdfLabel, 0, .. Encoding.ASCII.GetBytes(rootKeyId), 0, .. Encoding.ASCII.GetBytes(vendorKeyId), 0,
            .. Encoding.ASCII.GetBytes(fingerprint), 0, .. ephemeralPublic,
        ];
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared.ToArray(), 32, salt, info);
    }

    internal sealed record Parsed(LicenseHeader Header, byte[] EphemeralPublic, byte[] AssociatedData, byte[] Body, SigningKeyCertificate? Certificate, string? CertificateProblem);

    /// <summary>Parses the armor and header; the body is not decrypted.</summary>
    internal static Parsed Read(string? fileText)
    {
        var problem = TextInput.TryCheck(fileText, out var text);
        switch (problem)
        {
            case TextProblem.Empty:
                throw new LicenseException(LicenseErrorCode.Empty, "The license file is empty.");
            case TextProblem.TooLarge:
                throw new LicenseException(LicenseErrorCode.TooLarge, "The license file is larger than 64 KiB.");
            case TextProblem.NotText:
                throw new LicenseException(LicenseErrorCode.NotText, "The license file is binary or not UTF-8 text.");
            case TextProblem.MixedLineEndings:
                throw new LicenseException(LicenseErrorCode.Malformed, "The license file mixes CRLF and LF line endings.");
            case TextProblem.None:
                break;
        }

        var label = Armor.PeekLabel(text);
        if (label is null)
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "Not a LicensePortal license file (it must start with -----BEGIN LICENSEPORTAL LICENSE-----).");
        }

        if (!string.Equals(label, KeyFiles.LicenseLabel, StringComparison.Ordinal))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"This is {KeyFiles.Describe(label)}, not a license file.");
        }

        // The license block ends at the first line "-----END LICENSEPORTAL LICENSE-----"; the certificate block follows.
        var end = text.IndexOf("\n" + EndLine, StringComparison.Ordinal);
        var licenseText = end < 0 ? text : text[..(end + 1 + EndLine.Length)];
        var certificateText = end < 0 ? string.Empty : text[(end + 1 + EndLine.Length)..];
        var armorProblem = Armor.TryParse(licenseText, out var block, out var detail);
        if (armorProblem != ArmorProblem.None || block is null)
        {
            throw new LicenseException(armorProblem == ArmorProblem.Truncated ? LicenseErrorCode.Truncated : LicenseErrorCode.Malformed, $"The license file is damaged: {detail}.");
        }

        var h = block.Headers;
        if (h.Count == 0 || !string.Equals(h[0].Key, HeaderNames[0], StringComparison.Ordinal))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The license file has no 'Format' header.");
        }

        if (h[0].Value.Length == 0 || !h[0].Value.All(char.IsAsciiDigit))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The 'Format' header must be a version number.");
        }

        if (!string.Equals(h[0].Value, CurrentFormat, StringComparison.Ordinal))
        {
            throw new LicenseException(LicenseErrorCode.UnsupportedVersion, $"License format '{h[0].Value}' is not supported (expected {CurrentFormat}).");
        }

        if (h.Count != HeaderNames.Length)
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"The license file has {h.Count} header lines; expected {HeaderNames.Length}.");
        }

        for (var i = 1; i < HeaderNames.Length; i++)
        {
            if (!string.Equals(h[i].Key, HeaderNames[i], StringComparison.Ordinal))
            {
                throw new LicenseException(LicenseErrorCode.Malformed, $"Header line {i + 1} must be '{HeaderNames[i]}'.");
            }
        }

        if (!Primitives.IsLowerHex(h[1].Value, 16) || !Primitives.IsLowerHex(h[2].Value, 16))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The root and signing key ids must be 16 lower-case hex characters.");
        }

        if (!Primitives.IsLowerHex(h[3].Value, 64))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The host key fingerprint must be 64 lower-case hex characters.");
        }

        if (!Primitives.TryDecodeBase64(h[4].Value, Primitives.KeySize, out var ephemeralPublic) || !Primitives.IsCanonicalX25519(ephemeralPublic))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The ephemeral key must be base64 of a canonical 32-byte X25519 key.");
        }

        if (block.Body.Length < NonceSize + TagSize + Primitives.SignatureSize + 1)
        {
            throw new LicenseException(LicenseErrorCode.Truncated, "The license body is too short to hold a nonce, content, signature and tag.");
        }

        var (certificate, certificateProblem) = ReadCertificate(certificateText);
        var header = new LicenseHeader(FormatVersion, h[1].Value, h[2].Value, h[3].Value, h[4].Value);
        return new Parsed(header, ephemeralPublic, block.HeaderBytes(), block.Body, certificate, certificateProblem);
    }

    /// <summary>
    /// The certificate block after the license block. A missing or damaged one is a format error; a well-formed one with
    /// an invalid signing key is returned as a problem, which the verifier reports as <see cref="LicenseErrorCode.BadCertificate"/>.
    /// </summary>
    private static (SigningKeyCertificate? Certificate, string? Problem) ReadCertificate(string text)
    {
        if (text.Length == 0)
        {
            throw new LicenseException(LicenseErrorCode.Truncated, "The license file ends after the license block: the signing key certificate is missing.");
        }

        try
        {
            return (SigningKeyCertificate.Import(text), null);
        }
        catch (KeyFileException ex) when (ex.Code is KeyFileErrorCode.InvalidKey or KeyFileErrorCode.KeyIdMismatch)
        {
            return (null, ex.Message);
        }
        catch (KeyFileException ex)
        {
            throw new LicenseException(ex.Code == KeyFileErrorCode.Truncated ? LicenseErrorCode.Truncated : LicenseErrorCode.Malformed, $"The signing key certificate in the license file is damaged: {ex.Message}");
        }
    }
}
