using System.Globalization;
using System.Text;

namespace LicensePortal.Licensing;

/// <summary>
/// The vendor root's signed statement that one signing key may sign licenses issued within a period:
/// an armored file "-----BEGIN LICENSEPORTAL SIGNING KEY CERTIFICATE-----" whose six header lines are the statement
/// (Format, Root-Key-Id, Signing-Key-Id, Signing-Key, Valid-From, Valid-Until) and whose body is the root's Ed25519
/// signature over "licenseportal-signing-key-certificate-v1\n" followed by those lines. Every license file carries the
/// certificate of the key that signed it, so a host needs only the root public key. See docs/license-format.md.
/// </summary>
public sealed class SigningKeyCertificate
{
    internal static readonly byte[] SignatureDomain = Encoding.ASCII.GetBytes("licenseportal-signing-key-certificate-v1\n");

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private static readonly string[] HeaderNames = ["Format", "Root-Key-Id", "Signing-Key-Id", "Signing-Key", "Valid-From", "Valid-Until"];

    private readonly byte[] _statement;
    private readonly byte[] _signature;

    private SigningKeyCertificate(string rootKeyId, VendorPublicKey signingKey, DateTimeOffset validFrom, DateTimeOffset validUntil, byte[] statement, byte[] signature)
    {
        RootKeyId = rootKeyId;
        SigningKey = signingKey;
        ValidFrom = validFrom;
        ValidUntil = validUntil;
        _statement = statement;
        _signature = signature;
    }

    /// <summary>Key id of the root that signed the certificate.</summary>
    public string RootKeyId { get; }

    /// <summary>The certified signing key.</summary>
    public VendorPublicKey SigningKey { get; }

    /// <summary>Key id of the certified signing key.</summary>
    public string SigningKeyId => SigningKey.KeyId;

    /// <summary>The first issue time a license signed by the key may carry (UTC, whole seconds).</summary>
    public DateTimeOffset ValidFrom { get; }

    /// <summary>The last issue time a license signed by the key may carry (UTC, whole seconds).</summary>
    public DateTimeOffset ValidUntil { get; }

    internal static SigningKeyCertificate Create(VendorRootKey root, VendorPublicKey signingKey, DateTimeOffset validFrom, DateTimeOffset validUntil)
    {
        var from = Truncate(validFrom);
        var until = Truncate(validUntil);
        if (until < from)
        {
            throw new ArgumentException("A certificate's Valid-Until is not before its Valid-From.", nameof(validUntil));
        }

        var headers = Headers(root.KeyId, signingKey, from, until);
        var statement = Encoding.UTF8.GetBytes(Armor.HeaderText(headers));
        return new SigningKeyCertificate(root.KeyId, signingKey, from, until, statement, root.Sign(SignatureDomain, statement));
    }

    /// <summary>Exports the certificate file (what <c>keys certify</c> writes and <c>keys install</c> reads).</summary>
    /// <returns>The canonical file text.</returns>
    public string Export() => Armor.Write(KeyFiles.CertificateLabel, Headers(RootKeyId, SigningKey, ValidFrom, ValidUntil), _signature);

    /// <summary>
    /// Reads a certificate file and checks its form: six headers in order, 16-hex key ids, the signing key a canonical
    /// Ed25519 key of prime order whose key id is the one written, Valid-From not after Valid-Until. The signature is
    /// checked by <see cref="IsSignedBy"/>, against the root the caller trusts.
    /// </summary>
    /// <param name="text">The file text.</param>
    /// <returns>The certificate.</returns>
    /// <exception cref="KeyFileException">The text is not a well-formed certificate.</exception>
    public static SigningKeyCertificate Import(string text)
    {
        var block = KeyFiles.ReadBlock(text, KeyFiles.CertificateLabel);
        var h = block.Headers;
        if (h.Count != HeaderNames.Length || !h.Select(p => p.Key).SequenceEqual(HeaderNames, StringComparer.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, $"A signing key certificate has exactly the headers {string.Join(", ", HeaderNames)}, in that order.");
        }

        if (!Primitives.IsLowerHex(h[1].Value, 16) || !Primitives.IsLowerHex(h[2].Value, 16))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, "Root-Key-Id and Signing-Key-Id are 16 lower-case hex characters.");
        }

        if (!Primitives.TryDecodeBase64(h[3].Value, Primitives.KeySize, out var keyBytes))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, "Signing-Key is the canonical base64 of 32 bytes.");
        }

        var signingKey = VendorPublicKey.FromBytes(keyBytes);
        KeyFiles.RequireId(h[2].Value, signingKey.KeyId);
        if (!TryParseTime(h[4].Value, out var from) || !TryParseTime(h[5].Value, out var until))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, "Valid-From and Valid-Until are UTC times like 2026-12-01T00:00:00Z.");
        }

        if (until < from)
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, "Valid-Until is before Valid-From.");
        }

        if (block.Body.Length != Primitives.SignatureSize)
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, $"The certificate body is the 64-byte root signature; it holds {block.Body.Length} bytes.");
        }

        return new SigningKeyCertificate(h[1].Value, signingKey, from, until, block.HeaderBytes(), block.Body);
    }

    /// <summary>True when the certificate names this root and the root's signature over it verifies.</summary>
    /// <param name="root">The trusted root public key.</param>
    /// <returns>Whether the root made this certificate.</returns>
    public bool IsSignedBy(VendorRootPublicKey root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return string.Equals(RootKeyId, root.KeyId, StringComparison.Ordinal) && root.Verify(SignatureDomain, _statement, _signature);
    }

    /// <summary>True when <paramref name="time"/> lies in [<see cref="ValidFrom"/>, <see cref="ValidUntil"/>].</summary>
    /// <param name="time">A license's issue time, or now when deciding whether the key may still sign.</param>
    /// <returns>Whether the certificate covers it.</returns>
    public bool Covers(DateTimeOffset time) => time >= ValidFrom && time <= ValidUntil;

    /// <inheritdoc />
    public override string ToString() => $"certificate of signing key {SigningKeyId} by root {RootKeyId}, valid {Format(ValidFrom)} to {Format(ValidUntil)}";

    internal static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    private static bool TryParseTime(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private static List<KeyValuePair<string, string>> Headers(string rootKeyId, VendorPublicKey signingKey, DateTimeOffset from, DateTimeOffset until) =>
    [
        new(HeaderNames[0], "1"),
        new(HeaderNames[1], rootKeyId),
        new(HeaderNames[2], signingKey.KeyId),
        new(HeaderNames[3], Convert.ToBase64String(signingKey.Bytes)),
        new(HeaderNames[4], Format(from)),
        new(HeaderNames[5], Format(until)),
    ];
}

/// <summary>A signing key with its certificate: what the portal signs licenses with.</summary>
public sealed class CertifiedSigningKey
{
    /// <summary>Pairs a signing key with its certificate.</summary>
    /// <param name="key">The private signing key.</param>
    /// <param name="certificate">Its certificate from the vendor root.</param>
    /// <exception cref="ArgumentException">The certificate is for another key.</exception>
    public CertifiedSigningKey(VendorKey key, SigningKeyCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        if (!key.PublicKey.Equals(certificate.SigningKey))
        {
            throw new ArgumentException($"The certificate is for signing key {certificate.SigningKeyId}, not {key.KeyId}.", nameof(certificate));
        }

        Key = key;
        Certificate = certificate;
    }

    /// <summary>The private signing key.</summary>
    public VendorKey Key { get; }

    /// <summary>Its certificate.</summary>
    public SigningKeyCertificate Certificate { get; }

    /// <summary>The signing key id.</summary>
    public string KeyId => Key.KeyId;

    /// <summary>The key id of the root that certified it.</summary>
    public string RootKeyId => Certificate.RootKeyId;
}
