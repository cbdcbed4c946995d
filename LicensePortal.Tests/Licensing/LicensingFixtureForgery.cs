using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>
/// Builds files the library would never write, the way an attacker (or a careless issuer) could: licenses sealed with any
/// headers, inner bytes and certificate; certificates signed by any key; host info files carrying any key values.
/// </summary>
internal static class LicensingFixtureForgery
{
    /// <summary>Seals <paramref name="inner"/> (plaintext || signature) exactly as format 2 does and appends the certificate text.</summary>
    public static string Seal(byte[] inner, string rootKeyId, string signingKeyId, HostPublicKey host, ReadOnlySpan<byte> ephemeralPrivate, ReadOnlySpan<byte> nonce, string certificateText)
    {
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(ephemeralPrivate);
        var shared = Primitives.X25519Agree(ephemeralPrivate, host.EncryptionKey);
        var headers = LicenseFile.BuildHeaders(rootKeyId, signingKeyId, host.Fingerprint, ephemeralPublic);
        var key = LicenseFile.DeriveKey(shared, ephemeralPublic, host.EncryptionKey, rootKeyId, signingKeyId, host.Fingerprint);
        var body = new byte[LicenseFile.NonceSize + inner.Length + LicenseFile.TagSize];
        nonce.CopyTo(body);
        using (var aes = new AesGcm(key, LicenseFile.TagSize))
        {
            aes.Encrypt(nonce, inner, body.AsSpan(LicenseFile.NonceSize, inner.Length), body.AsSpan(LicenseFile.NonceSize + inner.Length), Encoding.UTF8.GetBytes(Armor.HeaderText(headers)));
        }

        return Armor.Write(KeyFiles.LicenseLabel, headers, body) + certificateText;
    }

    /// <summary><see cref="Seal(byte[], string, string, HostPublicKey, ReadOnlySpan{byte}, ReadOnlySpan{byte}, string)"/> with a fresh ephemeral key and nonce.</summary>
    public static string Seal(byte[] inner, string rootKeyId, string signingKeyId, HostPublicKey host, string certificateText) =>
        Seal(inner, rootKeyId, signingKeyId, host, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(12), certificateText);

    /// <summary>plaintext || Ed25519 signature by <paramref name="signer"/> over the license domain and the plaintext.</summary>
    public static byte[] SignedInner(byte[] plaintext, VendorKey signer) => [.. plaintext, .. signer.Sign(LicenseFile.SignatureDomain, plaintext)];

    /// <summary>
    /// A forger who knows only public keys can build a well-sealed file naming the trusted root and signing key, carrying
    /// that key's genuine certificate, with content signed by their own key. Only the signature check can catch it.
    /// </summary>
    public static string SealWithForeignSignature(LicenseContent content, VendorKey signer, CertifiedSigningKey claimed, HostPublicKey host)
    {
        var plaintext = Bind(content, claimed, host).ToBytes();
        return Seal(SignedInner(plaintext, signer), claimed.RootKeyId, claimed.KeyId, host, claimed.Certificate.Export());
    }

    /// <summary>Content with the key ids and fingerprint of a certified key and a host filled in.</summary>
    public static LicenseContent Bind(LicenseContent content, CertifiedSigningKey key, HostPublicKey host) =>
        content with { VendorKeyId = key.KeyId, RootKeyId = key.RootKeyId, HostKeyFingerprint = host.Fingerprint };

    /// <summary>
    /// Signs and seals content the way <see cref="LicenseFile.Issue(LicenseContent, CertifiedSigningKey, HostPublicKey)"/>
    /// does, without its refusal of an issue time the certificate does not cover.
    /// </summary>
    public static string IssueUnchecked(LicenseContent content, CertifiedSigningKey key, HostPublicKey host) =>
        Seal(SignedInner(Bind(content, key, host).ToBytes(), key.Key), key.RootKeyId, key.KeyId, host, key.Certificate.Export());

    /// <summary>The six header lines of a certificate, as given (nothing is checked).</summary>
    public static List<KeyValuePair<string, string>> CertificateHeaders(string rootKeyId, string signingKeyId, ReadOnlySpan<byte> signingKey, string validFrom, string validUntil, string format = "1") =>
    [
        new("Format", format),
        new("Root-Key-Id", rootKeyId),
        new("Signing-Key-Id", signingKeyId),
        new("Signing-Key", Convert.ToBase64String(signingKey)),
        new("Valid-From", validFrom),
        new("Valid-Until", validUntil),
    ];

    /// <summary>A certificate file with the given headers whose body is <paramref name="sign"/>(domain || header lines).</summary>
    public static string Certificate(IEnumerable<KeyValuePair<string, string>> headers, Func<byte[], byte[]> sign)
    {
        var list = headers.ToList();
        var statement = Encoding.UTF8.GetBytes(Armor.HeaderText(list));
        return Armor.Write(KeyFiles.CertificateLabel, list, sign([.. SigningKeyCertificate.SignatureDomain, .. statement]));
    }

    /// <summary>A certificate for <paramref name="signingKey"/> naming <paramref name="rootKeyId"/>, signed by whatever Ed25519 seed is given.</summary>
    public static string CertificateSignedBySeed(byte[] seed, string rootKeyId, VendorPublicKey signingKey, DateTimeOffset from, DateTimeOffset until) =>
        Certificate(CertificateHeaders(rootKeyId, signingKey.KeyId, signingKey.Bytes, Time(from), Time(until)), m => Primitives.Ed25519Sign(seed, [], m));

    /// <summary>A certificate made by the genuine root for any 32 bytes as signing key (for example a small-order point).</summary>
    public static string CertificateOfRawKey(VendorRootKey root, byte[] signingKey, DateTimeOffset from, DateTimeOffset until) =>
        Certificate(CertificateHeaders(root.KeyId, Primitives.Sha256Hex(signingKey)[..16], signingKey, Time(from), Time(until)), m => root.Sign([], m));

    /// <summary>Replaces the body (the signature) of an armored certificate.</summary>
    public static string WithCertificateSignature(string certificateText, Func<byte[], byte[]> change)
    {
        Assert.Equal(ArmorProblem.None, Armor.TryParse(certificateText, out var block, out _));
        return Armor.Write(block!.Label, block.Headers, change(block.Body));
    }

    /// <summary>Replaces one header value of an armored certificate, keeping its signature.</summary>
    public static string WithCertificateHeader(string certificateText, string name, string value)
    {
        Assert.Equal(ArmorProblem.None, Armor.TryParse(certificateText, out var block, out _));
        var headers = block!.Headers.Select(h => h.Key == name ? new KeyValuePair<string, string>(name, value) : h).ToList();
        Assert.Contains(headers, h => h.Key == name);
        return Armor.Write(block.Label, headers, block.Body);
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The signed lines of a version 2 host info file with the given values, then a check code by <paramref name="sign"/>.</summary>
    public static string HostInfo(string instance, string mac, string serial, DateTimeOffset created, string signingKeyBase64, string encryptionKeyBase64, Func<byte[], byte[]> sign)
    {
        var sb = new StringBuilder()
            .Append("LicensePortal-HostInfo: 2\n")
            .Append("Instance: ").Append(instance).Append('\n')
            .Append("MAC: ").Append(mac).Append('\n')
            .Append("Serial: ").Append(serial).Append('\n');
        // The primary MAC and serial as identifiers, as the writer adds them (written as given when they are invalid).
        sb.Append("Host-Id: ").Append(HostIdentifier.TryCreate(HostIdentifierKind.Mac, mac, out var m) ? m.ToString() : "mac " + mac).Append('\n');
        sb.Append("Host-Id: ").Append(HostIdentity.IsValidSerial(serial) ? HostIdentifier.FromSerialNumber(serial).ToString() : "dmi-serial " + serial).Append('\n');
        sb.Append("Created: ").Append(Time(created)).Append('\n')
            .Append("Host-Signing-Key: ").Append(signingKeyBase64).Append('\n')
            .Append("Host-Encryption-Key: ").Append(encryptionKeyBase64).Append('\n');
        var signed = Encoding.UTF8.GetBytes(sb.ToString());
        sb.Append("Check-Code: ").Append(Convert.ToBase64String(sign([.. HostInfoFile.SignatureDomain, .. signed]))).Append('\n');
        return sb.ToString();
    }

    /// <summary>A host info file signed by <paramref name="host"/> but carrying <paramref name="encryptionKey"/> as its X25519 key.</summary>
    public static string HostInfoWithEncryptionKey(HostKey host, byte[] encryptionKey, string instance, string mac, string serial, DateTimeOffset created) =>
        HostInfo(instance, mac, serial, created, host.PublicKey.SigningKeyBase64, Convert.ToBase64String(encryptionKey), m => host.SignHostInfo([], m));
}
