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
    /// <summary>Seals <paramref name="inner"/> (plaintext || signature) exactly as format 3 does and appends the certificate text.</summary>
    /// <remarks><paramref name="format"/> replaces the <c>Format</c> header's value (the envelope is the same in formats 2 and 3).</remarks>
    public static string Seal(byte[] inner, string rootKeyId, string signingKeyId, HostPublicKey host, ReadOnlySpan<byte> ephemeralPrivate, ReadOnlySpan<byte> nonce, string certificateText, string? format = null)
    {
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(ephemeralPrivate);
        var shared = Primitives.X25519Agree(ephemeralPrivate, host.EncryptionKey);
        var headers = LicenseFile.BuildHeaders(rootKeyId, signingKeyId, host.Fingerprint, ephemeralPublic);
        if (format is not null)
        {
            headers[0] = new(headers[0].Key, format);
        }

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

    /// <summary>
    /// The signed lines of a host info file with the given values, then a check code by <paramref name="sign"/>. Version 2
    /// (the default) has one <c>Host-Id</c> line per entry of <paramref name="hostIds"/>, written as given, or, without
    /// them, the primary MAC and serial as identifiers, as the writer adds them; version 1 has none and the v1 domain.
    /// </summary>
    public static string HostInfo(string instance, string mac, string serial, DateTimeOffset created, string signingKeyBase64, string encryptionKeyBase64, Func<byte[], byte[]> sign, IEnumerable<string>? hostIds = null, int version = 2)
    {
        var sb = new StringBuilder()
            .Append("LicensePortal-HostInfo: ").Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("Instance: ").Append(instance).Append('\n')
            .Append("MAC: ").Append(mac).Append('\n')
            .Append("Serial: ").Append(serial).Append('\n');
        if (version >= 2)
        {
            // Written as given when they are invalid.
            hostIds ??=
            [
                HostIdentifier.TryCreate(HostIdentifierKind.Mac, mac, out var m) ? m.ToString() : "mac " + mac,
                HostIdentity.IsValidSerial(serial) ? HostIdentifier.FromSerialNumber(serial).ToString() : "dmi-serial " + serial,
            ];
            foreach (var id in hostIds)
            {
                sb.Append("Host-Id: ").Append(id).Append('\n');
            }
        }

        sb.Append("Created: ").Append(Time(created)).Append('\n')
            .Append("Host-Signing-Key: ").Append(signingKeyBase64).Append('\n')
            .Append("Host-Encryption-Key: ").Append(encryptionKeyBase64).Append('\n');
        return SignHostInfoLines(sb.ToString(), version == 1 ? HostInfoFile.SignatureDomainV1 : HostInfoFile.SignatureDomain, sign);
    }

    /// <summary>Any lines (each with its LF) followed by a check code by <paramref name="sign"/> over <paramref name="domain"/> || the lines.</summary>
    public static string SignHostInfoLines(string lines, byte[] domain, Func<byte[], byte[]> sign)
    {
        var signed = Encoding.UTF8.GetBytes(lines);
        return lines + "Check-Code: " + Convert.ToBase64String(sign([.. domain, .. signed])) + "\n";
    }

    /// <summary>Every line of a host info file but its check code, re-signed by <paramref name="host"/> under the version 2 domain after <paramref name="edit"/>.</summary>
    public static string ResignHostInfo(string hostInfo, HostKey host, Func<List<string>, List<string>> edit)
    {
        var lines = hostInfo.Split('\n').ToList();
        var checkCode = lines.FindIndex(l => l.StartsWith("Check-Code: ", StringComparison.Ordinal));
        var edited = edit(lines.Take(checkCode).ToList());
        return SignHostInfoLines(string.Concat(edited.Select(l => l + "\n")), HostInfoFile.SignatureDomain, m => host.SignHostInfo([], m));
    }

    /// <summary>A host info file signed by <paramref name="host"/> but carrying <paramref name="encryptionKey"/> as its X25519 key.</summary>
    public static string HostInfoWithEncryptionKey(HostKey host, byte[] encryptionKey, string instance, string mac, string serial, DateTimeOffset created) =>
        HostInfo(instance, mac, serial, created, host.PublicKey.SigningKeyBase64, Convert.ToBase64String(encryptionKey), m => host.SignHostInfo([], m));
}
