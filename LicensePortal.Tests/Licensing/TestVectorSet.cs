using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LicensePortal.Licensing;
using static LicensePortal.Tests.Licensing.LicensingFixtureForgery;

namespace LicensePortal.Tests.Licensing;

/// <summary>
/// Builds the committed test vectors in docs/test-vectors from fixed secrets (each the SHA-256 of a label),
/// so a second implementation can check itself byte for byte.
/// </summary>
internal static class TestVectorSet
{
    public static readonly DateTimeOffset Created = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ValidFrom = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ValidUntil = new(2027, 5, 31, 23, 59, 59, TimeSpan.Zero);
    public static readonly DateTimeOffset ExpiredValidFrom = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ExpiredValidUntil = new(2026, 5, 31, 23, 59, 59, TimeSpan.Zero);
    public static readonly DateTimeOffset LaterValidFrom = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    public const string Mac = "52:54:00:12:34:56";
    public const string Serial = "VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8";
    public const string Instance = "demo-01";
    private const string CreatedText = "2026-11-28T12:00:00Z";

    public static byte[] Secret(string label) => SHA256.HashData(Encoding.ASCII.GetBytes(label));

    public static byte[] RootSeed => Secret("licenseportal test vector: vendor root key");

    public static byte[] OtherRootSeed => Secret("licenseportal test vector: other vendor root key");

    public static byte[] VendorSeed => Secret("licenseportal test vector: vendor key");

    public static byte[] OtherVendorSeed => Secret("licenseportal test vector: other vendor key");

    public static byte[] HostSigningSeed => Secret("licenseportal test vector: host signing key");

    public static byte[] HostEncryptionPrivate => Secret("licenseportal test vector: host encryption key");

    public static byte[] EphemeralPrivate => Secret("licenseportal test vector: ephemeral key");

    public static byte[] Nonce => Secret("licenseportal test vector: nonce")[..12];

    public static byte[] SignatureMessage => Encoding.ASCII.GetBytes("licenseportal test vector: message");

    public static VendorRootKey Root => VendorRootKey.FromSeed(RootSeed);

    public static VendorRootKey OtherRoot => VendorRootKey.FromSeed(OtherRootSeed);

    public static VendorKey Vendor => VendorKey.FromSeed(VendorSeed);

    public static VendorKey OtherVendor => VendorKey.FromSeed(OtherVendorSeed);

    public static HostKey Host => HostKey.FromPrivateBytes(HostSigningSeed, HostEncryptionPrivate);

    public static SigningKeyCertificate Certificate => Root.Certify(Vendor.PublicKey, ValidFrom, ValidUntil);

    public static CertifiedSigningKey Signer => new(Vendor, Certificate);

    public static LicenseContent Content(int revision = 2) => new()
    {
        MaxDesktops = 100,
        MaxImages = 20,
        MaxUsers = 150,
        MaxVcpus = 400,
        MaxVmemGib = 1024,
        MaxVdiskGib = 10240,
        ExpiresOn = new DateOnly(2027, 12, 31),
        Mac = Mac,
        SerialNumber = Serial,
        IssuedAt = Created,
        Revision = revision,
        InstanceName = Instance,
        VendorKeyId = Vendor.KeyId,
        RootKeyId = Root.KeyId,
        HostKeyFingerprint = Host.Fingerprint,
    };

    public static string HostInfoText => HostInfoFile.Write(Instance, Mac, Serial, Host, Created);

    public static string LicenseText => LicenseFile.Issue(Content(), Signer, Host.PublicKey, EphemeralPrivate, Nonce);

    /// <summary>Every committed file name and its exact content.</summary>
    public static IReadOnlyDictionary<string, string> Files() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["root.key"] = Root.ExportPrivate(),
        ["root.pub"] = Root.PublicKey.Export(),
        ["vendor.key"] = Vendor.ExportPrivate(),
        ["vendor.pub"] = Vendor.PublicKey.Export(),
        ["vendor.cert"] = Certificate.Export(),
        ["host.key"] = Host.ExportPrivate(),
        ["host.pub"] = Host.PublicKey.Export(),
        ["hostinfo.txt"] = HostInfoText,
        ["license-plaintext.txt"] = Content().ToText(),
        ["license.lic"] = LicenseText,
        ["vectors.json"] = VectorsJson(),
    };

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);

    private static string VectorsJson()
    {
        var vendor = Vendor;
        var host = Host;
        var root = Root;
        var plaintext = Content().ToBytes();
        var signature = vendor.Sign(LicenseFile.SignatureDomain, plaintext);
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(EphemeralPrivate);
        var shared = Primitives.X25519Agree(EphemeralPrivate, host.PublicKey.EncryptionKey);
        byte[] salt = [.. ephemeralPublic, .. host.PublicKey.EncryptionKey];
        byte[] info =
        [
            .. LicenseFile.KdfLabel, 0, .. Encoding.ASCII.GetBytes(root.KeyId), 0, .. Encoding.ASCII.GetBytes(vendor.KeyId), 0,
            .. Encoding.ASCII.GetBytes(host.Fingerprint), 0, .. ephemeralPublic,
        ];
        var key = LicenseFile.DeriveKey(shared, ephemeralPublic, host.PublicKey.EncryptionKey, root.KeyId, vendor.KeyId, host.Fingerprint);
        var aad = Armor.HeaderText(LicenseFile.BuildHeaders(root.KeyId, vendor.KeyId, host.Fingerprint, ephemeralPublic));
        var certificateText = Certificate.Export();
        Assert.Equal(ArmorProblem.None, Armor.TryParse(certificateText, out var certificateBlock, out _));
        var statement = Armor.HeaderText(certificateBlock!.Headers);

        var doc = new JsonObject
        {
            ["description"] = "LicensePortal format 2 test vectors. Secrets are SHA-256 of ASCII labels (nonce: first 12 bytes). See docs/license-format.md and README.md here.",
            ["inputs"] = new JsonObject
            {
                ["rootSeedLabel"] = "licenseportal test vector: vendor root key",
                ["rootSeedHex"] = Hex(RootSeed),
                ["otherRootSeedLabel"] = "licenseportal test vector: other vendor root key",
                ["otherRootSeedHex"] = Hex(OtherRootSeed),
                ["vendorSeedLabel"] = "licenseportal test vector: vendor key",
                ["vendorSeedHex"] = Hex(VendorSeed),
                ["otherVendorSeedLabel"] = "licenseportal test vector: other vendor key",
                ["otherVendorSeedHex"] = Hex(OtherVendorSeed),
                ["hostSigningSeedLabel"] = "licenseportal test vector: host signing key",
                ["hostSigningSeedHex"] = Hex(HostSigningSeed),
                ["hostEncryptionPrivateLabel"] = "licenseportal test vector: host encryption key",
                ["hostEncryptionPrivateHex"] = Hex(HostEncryptionPrivate),
                ["ephemeralPrivateLabel"] = "licenseportal test vector: ephemeral key",
                ["ephemeralPrivateHex"] = Hex(EphemeralPrivate),
                ["nonceLabel"] = "licenseportal test vector: nonce",
                ["nonceHex"] = Hex(Nonce),
                ["certificateValidFrom"] = Time(ValidFrom),
                ["certificateValidUntil"] = Time(ValidUntil),
                ["instance"] = Instance,
                ["mac"] = Mac,
                ["serial"] = Serial,
                ["created"] = CreatedText,
            },
            ["derived"] = new JsonObject
            {
                ["rootPublicKeyHex"] = Hex(root.PublicKey.Bytes),
                ["rootKeyId"] = root.KeyId,
                ["rootFingerprint"] = root.PublicKey.Fingerprint,
                ["otherRootKeyId"] = OtherRoot.KeyId,
                ["vendorPublicKeyHex"] = Hex(vendor.PublicKey.Bytes),
                ["vendorKeyId"] = vendor.KeyId,
                ["otherVendorKeyId"] = OtherVendor.KeyId,
                ["certificateStatement"] = statement,
                ["certificateSignatureHex"] = Hex(certificateBlock.Body),
                ["hostSigningPublicHex"] = Hex(host.PublicKey.SigningKey),
                ["hostEncryptionPublicHex"] = Hex(host.PublicKey.EncryptionKey),
                ["hostKeyFingerprint"] = host.Fingerprint,
                ["licensePlaintextHex"] = Hex(plaintext),
                ["licenseSignatureHex"] = Hex(signature),
                ["ephemeralPublicHex"] = Hex(ephemeralPublic),
                ["x25519SharedSecretHex"] = Hex(shared),
                ["hkdfSaltHex"] = Hex(salt),
                ["hkdfInfoHex"] = Hex(info),
                ["hkdfInfoLength"] = info.Length,
                ["aeadKeyHex"] = Hex(key),
                ["associatedData"] = aad,
            },
            ["signatureCases"] = SignatureCases(),
            ["hostInfoCases"] = HostInfoCases(),
            ["keyFileCases"] = KeyFileCases(),
            ["licenseCases"] = LicenseCases(),
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject SignatureCase(string name, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature, bool valid) => new()
    {
        ["name"] = name,
        ["publicKeyHex"] = Hex(publicKey),
        ["messageHex"] = Hex(SignatureMessage),
        ["signatureHex"] = Hex(signature),
        ["valid"] = valid,
    };

    /// <summary>Raw Ed25519 checks (public key, message, signature): what every verifier must agree on.</summary>
    private static JsonArray SignatureCases()
    {
        var seed = VendorSeed;
        var pub = Vendor.PublicKey.GetBytes();
        var good = Primitives.Ed25519Sign(seed, [], SignatureMessage);
        byte[] trivial = [.. Ed25519TestMath.Identity, .. new byte[32]];
        return
        [
            SignatureCase("valid", pub, good, true),
            SignatureCase("S + L (same value mod L, not canonical)", pub, Ed25519TestMath.WithSPlusL(good), false),
            SignatureCase("R with y = p + 1 (non-canonical identity; holds if R is reduced)", pub, Ed25519TestMath.SignWithNonCanonicalR(seed, SignatureMessage), false),
            SignatureCase("R with a small-order component: refused (R must be of prime order, so cofactored and cofactorless verifiers agree)", pub, Ed25519TestMath.SignWithTorsionR(seed, SignatureMessage), false),
            SignatureCase("R = identity (small order), S = k * a: refused, R must be of prime order", pub, Ed25519TestMath.SignWithR(seed, System.Numerics.BigInteger.Zero, Ed25519TestMath.Identity, SignatureMessage), false),
            SignatureCase("R not on the curve (y = 2)", pub, Ed25519TestMath.SignWithR(seed, System.Numerics.BigInteger.Zero, Ed25519TestMath.RawEncoding(2), SignatureMessage), false),
            SignatureCase("identity public key, R = identity, S = 0 (holds for every message)", Ed25519TestMath.Identity, trivial, false),
            SignatureCase("public key with a small-order component", Ed25519TestMath.MixedOrderKey(seed), good, false),
            SignatureCase("public key with y >= p", Ed25519TestMath.NonCanonicalEd25519, good, false),
            SignatureCase("other message (last byte of S flipped)", pub, [.. good[..63], (byte)(good[63] ^ 1)], false),
        ];
    }

    private static JsonObject Case(string name, string text, string expected) => new() { ["name"] = name, ["text"] = text, ["expected"] = expected };

    private static JsonArray HostInfoCases()
    {
        var host = Host;
        var hostInfo = HostInfoText;
        var signingKey = host.PublicKey.SigningKeyBase64;
        var encryptionKey = host.PublicKey.EncryptionKey.ToArray();
        string WithSigningKey(string value) => hostInfo.Replace("Host-Signing-Key: " + signingKey, "Host-Signing-Key: " + value, StringComparison.Ordinal);
        string Resigned(byte[] encryption) => HostInfoWithEncryptionKey(host, encryption, Instance, Mac, Serial, Created);
        string WithCheckCode(Func<byte[], byte[]> sign) => HostInfo(Instance, Mac, Serial, Created, signingKey, host.PublicKey.EncryptionKeyBase64, sign);
        var topBit = (byte[])encryptionKey.Clone();
        topBit[31] |= 0x80;
        var cases = new JsonArray
        {
            Case("valid", hostInfo, "Ok"),
            Case("valid with CRLF line endings", hostInfo.Replace("\n", "\r\n", StringComparison.Ordinal), "Ok"),
            Case("valid without the final LF", hostInfo.TrimEnd('\n'), "Ok"),
            Case("instance name edited", hostInfo.Replace("Instance: demo-01", "Instance: demo-02", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("serial edited", hostInfo.Replace("f8\n", "f9\n", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("lines reordered", Swap(hostInfo, 2, 3), nameof(HostInfoErrorCode.Malformed)),
            Case("line added", hostInfo + "Comment: x\n", nameof(HostInfoErrorCode.Malformed)),
            Case("truncated", hostInfo[..150], nameof(HostInfoErrorCode.Truncated)),
            Case("version 2", hostInfo.Replace("HostInfo: 1", "HostInfo: 2", StringComparison.Ordinal), nameof(HostInfoErrorCode.UnsupportedVersion)),
            Case("tab inside the serial (a control character)", hostInfo.Replace("3c 4d", "3c\t4d", StringComparison.Ordinal), nameof(HostInfoErrorCode.NotText)),
            Case("U+0085 inside the serial (a C1 control character)", hostInfo.Replace("3c 4d", "3c\u00854d", StringComparison.Ordinal), nameof(HostInfoErrorCode.NotText)),
            Case("serial ends with U+3000 (white space)", HostInfo(Instance, Mac, Serial + "\u3000", Created, signingKey, host.PublicKey.EncryptionKeyBase64, m => host.SignHostInfo([], m)), nameof(HostInfoErrorCode.InvalidField)),
            Case("instance name of 64 UTF-16 code units (32 astral characters)", HostInfo(string.Concat(Enumerable.Repeat("\U0001F600", 32)), Mac, Serial, Created, signingKey, host.PublicKey.EncryptionKeyBase64, m => host.SignHostInfo([], m)), "Ok"),
            Case("instance name of 65 UTF-16 code units", HostInfo(string.Concat(Enumerable.Repeat("\U0001F600", 32)) + "a", Mac, Serial, Created, signingKey, host.PublicKey.EncryptionKeyBase64, m => host.SignHostInfo([], m)), nameof(HostInfoErrorCode.InvalidField)),
        };
        foreach (var hex in Ed25519TestMath.SmallOrderHex)
        {
            cases.Add(Case($"small-order Ed25519 host signing key {hex[..8]}", WithSigningKey(Convert.ToBase64String(Convert.FromHexString(hex))), nameof(HostInfoErrorCode.InvalidField)));
        }

        byte[] trivial = [.. Ed25519TestMath.Identity, .. new byte[32]];
        cases.Add(Case("identity host signing key with the check code R = identity, S = 0 (verifies for any file)", HostInfo(Instance, Mac, Serial, Created, Convert.ToBase64String(Ed25519TestMath.Identity), host.PublicKey.EncryptionKeyBase64, _ => trivial), nameof(HostInfoErrorCode.InvalidField)));
        cases.Add(Case("Ed25519 host signing key with a small-order component", WithSigningKey(Convert.ToBase64String(Ed25519TestMath.MixedOrderKey(HostSigningSeed))), nameof(HostInfoErrorCode.InvalidField)));
        cases.Add(Case("Ed25519 host signing key with y >= p (non-canonical)", WithSigningKey(Convert.ToBase64String(Ed25519TestMath.NonCanonicalEd25519)), nameof(HostInfoErrorCode.InvalidField)));
        cases.Add(Case("X25519 host key with the top bit set (re-signed)", Resigned(topBit), nameof(HostInfoErrorCode.InvalidField)));
        cases.Add(Case("X25519 host key u = p + 9 (re-signed)", Resigned(Ed25519TestMath.ToLittleEndian(Ed25519TestMath.P + 9)), nameof(HostInfoErrorCode.InvalidField)));
        cases.Add(Case("X25519 host key u = 9, canonical (re-signed)", Resigned(Ed25519TestMath.ToLittleEndian(9)), "Ok"));
        foreach (var u in Ed25519TestMath.LowOrderX25519)
        {
            cases.Add(Case($"X25519 host key of low order u = {Hex(Ed25519TestMath.ToLittleEndian(u))[..8]}... (re-signed)", Resigned(Ed25519TestMath.ToLittleEndian(u)), nameof(HostInfoErrorCode.InvalidField)));
        }

        cases.Add(Case("check code with S + L", WithCheckCode(m => Ed25519TestMath.WithSPlusL(host.SignHostInfo([], m))), nameof(HostInfoErrorCode.BadCheckCode)));
        cases.Add(Case("check code with R of y = p + 1", WithCheckCode(m => Ed25519TestMath.SignWithNonCanonicalR(HostSigningSeed, m)), nameof(HostInfoErrorCode.BadCheckCode)));
        cases.Add(Case("check code with R having a small-order component (refused: R must be of prime order)", WithCheckCode(m => Ed25519TestMath.SignWithTorsionR(HostSigningSeed, m)), "BadCheckCode"));
        return cases;
    }

    private static JsonObject KeyCase(string name, string kind, string text, string expected) => new() { ["name"] = name, ["kind"] = kind, ["text"] = text, ["expected"] = expected };

    /// <summary>Root public key files and certificate files: "Ok", a KeyFileErrorCode, or "NotSignedByRoot" (certificates).</summary>
    private static JsonArray KeyFileCases()
    {
        var root = Root;
        const string rootPub = "rootPublicKey";
        const string cert = "certificate";
        string RootPublicFile(byte[] key) => KeyFiles.Write(KeyFiles.RootPublicLabel, "Key-Id", Primitives.Sha256Hex(key)[..16], key);
        var certificate = Certificate.Export();
        var other = OtherVendor.PublicKey;
        var cases = new JsonArray
        {
            KeyCase("root public key", rootPub, root.PublicKey.Export(), "Ok"),
            KeyCase("root public key with CRLF line endings", rootPub, root.PublicKey.Export().Replace("\n", "\r\n", StringComparison.Ordinal), "Ok"),
            KeyCase("root private key given as public key", rootPub, root.ExportPrivate(), nameof(KeyFileErrorCode.WrongKeyType)),
            KeyCase("signing key public file given as root public key", rootPub, Vendor.PublicKey.Export(), nameof(KeyFileErrorCode.WrongKeyType)),
            KeyCase("root public key with another key id", rootPub, root.PublicKey.Export().Replace(root.KeyId, OtherRoot.KeyId, StringComparison.Ordinal), nameof(KeyFileErrorCode.KeyIdMismatch)),
            KeyCase("root public key format 2", rootPub, root.PublicKey.Export().Replace("Format: 1", "Format: 2", StringComparison.Ordinal), nameof(KeyFileErrorCode.UnsupportedVersion)),
            KeyCase("root public key: small-order point (identity)", rootPub, RootPublicFile(Ed25519TestMath.Identity), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("root public key: small-order point (order 8)", rootPub, RootPublicFile(Ed25519TestMath.Order8), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("root public key with a small-order component", rootPub, RootPublicFile(Ed25519TestMath.MixedOrderKey(RootSeed)), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("root public key with y >= p", rootPub, RootPublicFile(Ed25519TestMath.NonCanonicalEd25519), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("root public key x = 0 with the sign bit set (identity spelled negative)", rootPub, RootPublicFile(Ed25519TestMath.RawEncoding(1, 1)), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("certificate", cert, certificate, "Ok"),
            KeyCase("certificate without the final LF", cert, certificate.TrimEnd('\n'), "Ok"),
            KeyCase("certificate Format edited", cert, WithCertificateHeader(certificate, "Format", "2"), nameof(KeyFileErrorCode.UnsupportedVersion)),
            KeyCase("certificate Root-Key-Id edited", cert, WithCertificateHeader(certificate, "Root-Key-Id", OtherRoot.KeyId), "NotSignedByRoot"),
            KeyCase("certificate Signing-Key-Id edited", cert, WithCertificateHeader(certificate, "Signing-Key-Id", other.KeyId), nameof(KeyFileErrorCode.KeyIdMismatch)),
            KeyCase("certificate Signing-Key edited", cert, WithCertificateHeader(certificate, "Signing-Key", Convert.ToBase64String(other.Bytes)), nameof(KeyFileErrorCode.KeyIdMismatch)),
            KeyCase("certificate Signing-Key and Signing-Key-Id both replaced", cert, WithCertificateHeader(WithCertificateHeader(certificate, "Signing-Key", Convert.ToBase64String(other.Bytes)), "Signing-Key-Id", other.KeyId), "NotSignedByRoot"),
            KeyCase("certificate Valid-From edited", cert, WithCertificateHeader(certificate, "Valid-From", "2026-05-31T00:00:00Z"), "NotSignedByRoot"),
            KeyCase("certificate Valid-Until edited", cert, WithCertificateHeader(certificate, "Valid-Until", "2037-05-31T23:59:59Z"), "NotSignedByRoot"),
            KeyCase("certificate signature with S + L", cert, WithCertificateSignature(certificate, s => Ed25519TestMath.WithSPlusL(s)), "NotSignedByRoot"),
            KeyCase("certificate signed by another key naming the trusted root", cert, CertificateSignedBySeed(OtherRootSeed, root.KeyId, Vendor.PublicKey, ValidFrom, ValidUntil), "NotSignedByRoot"),
            KeyCase("certificate of a small-order signing key, signed by the root", cert, CertificateOfRawKey(root, Ed25519TestMath.Identity, ValidFrom, ValidUntil), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("certificate of a signing key with a small-order component, signed by the root", cert, CertificateOfRawKey(root, Ed25519TestMath.MixedOrderKey(VendorSeed), ValidFrom, ValidUntil), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("certificate of a signing key with y >= p, signed by the root", cert, CertificateOfRawKey(root, Ed25519TestMath.NonCanonicalEd25519, ValidFrom, ValidUntil), nameof(KeyFileErrorCode.InvalidKey)),
            KeyCase("certificate Valid-Until before Valid-From", cert, Certificate(CertificateHeaders(root.KeyId, Vendor.KeyId, Vendor.PublicKey.Bytes, Time(ValidUntil), Time(ValidFrom)), m => root.Sign([], m)), nameof(KeyFileErrorCode.Malformed)),
            KeyCase("certificate time without Z", cert, Certificate(CertificateHeaders(root.KeyId, Vendor.KeyId, Vendor.PublicKey.Bytes, "2026-06-01T00:00:00", Time(ValidUntil)), m => root.Sign([], m)), nameof(KeyFileErrorCode.Malformed)),
            KeyCase("certificate headers reordered", cert, Armor.Write(KeyFiles.CertificateLabel, Reorder(certificate), Parse(certificate).Body), nameof(KeyFileErrorCode.Malformed)),
            KeyCase("certificate body of 63 bytes", cert, WithCertificateSignature(certificate, s => s[..63]), nameof(KeyFileErrorCode.Malformed)),
            KeyCase("certificate END line of another label", cert, certificate.Replace("-----END LICENSEPORTAL SIGNING KEY CERTIFICATE-----", "-----END LICENSEPORTAL LICENSE-----", StringComparison.Ordinal), nameof(KeyFileErrorCode.Malformed)),
            KeyCase("certificate cut inside the END line", cert, certificate[..^10], nameof(KeyFileErrorCode.Truncated)),
        };
        return cases;
    }

    private static ArmorBlock Parse(string text)
    {
        Assert.Equal(ArmorProblem.None, Armor.TryParse(text, out var block, out _));
        return block!;
    }

    private static List<KeyValuePair<string, string>> Reorder(string certificate)
    {
        var headers = Parse(certificate).Headers.ToList();
        (headers[4], headers[5]) = (headers[5], headers[4]);
        return headers;
    }

    private static JsonObject LicenseCase(string name, string text, string now, string expected, string mac = Mac, string serial = Serial, string? trustedTime = null, IReadOnlyDictionary<string, int>? revisions = null)
    {
        var o = new JsonObject
        {
            ["name"] = name,
            ["text"] = text,
            ["now"] = now,
            ["expectedMac"] = mac,
            ["expectedSerial"] = serial,
        };
        if (trustedTime is not null || revisions is not null)
        {
            var r = new JsonObject();
            foreach (var (instance, revision) in revisions ?? new Dictionary<string, int>())
            {
                r[instance] = revision;
            }

            o["highWater"] = new JsonObject { ["trustedTime"] = trustedTime ?? "0001-01-01T00:00:00Z", ["revisions"] = r };
        }

        o["expected"] = expected;
        return o;
    }

    /// <summary>Signs (any bytes) with the vendor key and seals them under the trusted ids, with the genuine certificate.</summary>
    private static string SealedPlaintext(byte[] plaintext) =>
        Seal(SignedInner(plaintext, Vendor), Root.KeyId, Vendor.KeyId, Host.PublicKey, EphemeralPrivate, Nonce, Certificate.Export());

    private static string SealedSignature(byte[] plaintext, byte[] signature) =>
        Seal([.. plaintext, .. signature], Root.KeyId, Vendor.KeyId, Host.PublicKey, EphemeralPrivate, Nonce, Certificate.Export());

    private static string IssuedWith(CertifiedSigningKey key, LicenseContent? content = null) =>
        Seal(SignedInner(Bind(content ?? Content(), key, Host.PublicKey).ToBytes(), key.Key), key.RootKeyId, key.KeyId, Host.PublicKey, EphemeralPrivate, Nonce, key.Certificate.Export());

    private static JsonArray LicenseCases()
    {
        var host = Host;
        var root = Root;
        var license = LicenseText;
        var plaintext = Content().ToBytes();
        var signature = Vendor.Sign(LicenseFile.SignatureDomain, plaintext);
        byte[] signedMessage = [.. LicenseFile.SignatureDomain, .. plaintext];
        var licenseBlockEnd = license.IndexOf("-----END LICENSEPORTAL LICENSE-----\n", StringComparison.Ordinal) + "-----END LICENSEPORTAL LICENSE-----\n".Length;
        var revision3 = new Dictionary<string, int> { [Instance] = 3 };
        var otherCertificateText = CertificateSignedBySeed(OtherRootSeed, root.KeyId, OtherVendor.PublicKey, ValidFrom, ValidUntil);
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(EphemeralPrivate);
        var topBit = (byte[])ephemeralPublic.Clone();
        topBit[31] |= 0x80;
        string WithEphemeral(byte[] value) => license.Replace("Ephemeral-Key: " + Convert.ToBase64String(ephemeralPublic), "Ephemeral-Key: " + Convert.ToBase64String(value), StringComparison.Ordinal);
        var c = CreatedText;
        return
        [
            LicenseCase("valid", license, c, "None"),
            LicenseCase("valid on its expiry day", license, "2027-12-31T23:59:59Z", "None"),
            LicenseCase("valid with CRLF line endings", license.Replace("\n", "\r\n", StringComparison.Ordinal), c, "None"),
            LicenseCase("valid without the final LF", license.TrimEnd('\n'), c, "None"),
            LicenseCase("expired the day after", license, "2028-01-01T00:00:00Z", nameof(LicenseErrorCode.Expired)),
            LicenseCase("issued more than 5 minutes in the future", license, "2026-11-28T11:54:59Z", nameof(LicenseErrorCode.IssuedInFuture)),
            LicenseCase("issued within the 5 minute skew", license, "2026-11-28T11:55:00Z", "None"),
            LicenseCase("other MAC expected", license, c, nameof(LicenseErrorCode.HostMismatch), mac: "52:54:00:12:34:57"),
            LicenseCase("other serial expected", license, c, nameof(LicenseErrorCode.HostMismatch), serial: Serial + "0"),
            LicenseCase("rolled back: revision 3 already installed for the instance", license, c, nameof(LicenseErrorCode.OlderThanInstalled), trustedTime: c, revisions: revision3),
            LicenseCase("same revision 2 as installed", license, c, "None", trustedTime: c, revisions: new Dictionary<string, int> { [Instance] = 2 }),
            LicenseCase("revision 9 installed for another instance only", license, c, "None", trustedTime: c, revisions: new Dictionary<string, int> { ["demo-02"] = 9 }),
            LicenseCase("clock wound back: now is 24 h + 1 s before the trusted time", license, c, nameof(LicenseErrorCode.ClockWoundBack), trustedTime: "2026-11-29T12:00:01Z"),
            LicenseCase("clock exactly 24 h before the trusted time", license, c, "None", trustedTime: "2026-11-29T12:00:00Z"),
            LicenseCase("clock wound back is reported before issued-in-future", license, "2026-11-28T11:54:59Z", nameof(LicenseErrorCode.ClockWoundBack), trustedTime: "2026-11-29T11:55:00Z"),
            LicenseCase("clock wound back is reported before a rolled-back revision", license, c, nameof(LicenseErrorCode.ClockWoundBack), trustedTime: "2026-12-31T00:00:00Z", revisions: revision3),
            LicenseCase("body bit flipped", FlipBodyBit(license, 40, 3), c, nameof(LicenseErrorCode.NotForThisHost)),
            LicenseCase("tag bit flipped", FlipBodyBit(license, -1, 7), c, nameof(LicenseErrorCode.NotForThisHost)),
            LicenseCase("header fingerprint changed", license.Replace(host.Fingerprint, new string('0', 64), StringComparison.Ordinal), c, nameof(LicenseErrorCode.NotForThisHost)),
            LicenseCase("ephemeral key of low order (u = 0)", WithEphemeral(new byte[32]), c, nameof(LicenseErrorCode.NotForThisHost)),
            LicenseCase("ephemeral key with the top bit set", WithEphemeral(topBit), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("ephemeral key u = p + 9", WithEphemeral(Ed25519TestMath.ToLittleEndian(Ed25519TestMath.P + 9)), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("signing key certified by another root", IssuedWith(new CertifiedSigningKey(OtherVendor, OtherRoot.Certify(OtherVendor.PublicKey, ValidFrom, ValidUntil))), c, nameof(LicenseErrorCode.UnknownRootKey)),
            LicenseCase("Root-Key-Id header names another root", license.Replace("Root-Key-Id: " + root.KeyId, "Root-Key-Id: " + OtherRoot.KeyId, StringComparison.Ordinal), c, nameof(LicenseErrorCode.UnknownRootKey)),
            LicenseCase("uncertified signing key: self-made certificate naming the trusted root", Seal(SignedInner((Content() with { VendorKeyId = OtherVendor.KeyId }).ToBytes(), OtherVendor), root.KeyId, OtherVendor.KeyId, host.PublicKey, EphemeralPrivate, Nonce, otherCertificateText), c, nameof(LicenseErrorCode.BadCertificate)),
            LicenseCase("certificate Valid-Until edited", license[..licenseBlockEnd] + WithCertificateHeader(license[licenseBlockEnd..], "Valid-Until", "2037-05-31T23:59:59Z"), c, nameof(LicenseErrorCode.BadCertificate)),
            LicenseCase("certificate signature with S + L", license[..licenseBlockEnd] + WithCertificateSignature(license[licenseBlockEnd..], s => Ed25519TestMath.WithSPlusL(s)), c, nameof(LicenseErrorCode.BadCertificate)),
            LicenseCase("carries the genuine certificate of another signing key", license[..licenseBlockEnd] + root.Certify(OtherVendor.PublicKey, ValidFrom, ValidUntil).Export(), c, nameof(LicenseErrorCode.BadCertificate)),
            LicenseCase("certificate of a small-order signing key", license[..licenseBlockEnd] + CertificateOfRawKey(root, Ed25519TestMath.Identity, ValidFrom, ValidUntil), c, nameof(LicenseErrorCode.BadCertificate)),
            LicenseCase("certificate of a signing key with y >= p", license[..licenseBlockEnd] + CertificateOfRawKey(root, Ed25519TestMath.NonCanonicalEd25519, ValidFrom, ValidUntil), c, nameof(LicenseErrorCode.BadCertificate)),
            LicenseCase("signed by another key under the genuine certificate", Seal(SignedInner(plaintext, OtherVendor), root.KeyId, Vendor.KeyId, host.PublicKey, EphemeralPrivate, Nonce, Certificate.Export()), c, nameof(LicenseErrorCode.BadSignature)),
            LicenseCase("license signature with S + L", SealedSignature(plaintext, Ed25519TestMath.WithSPlusL(signature)), c, nameof(LicenseErrorCode.BadSignature)),
            LicenseCase("license signature with R of y = p + 1", SealedSignature(plaintext, Ed25519TestMath.SignWithNonCanonicalR(VendorSeed, signedMessage)), c, nameof(LicenseErrorCode.BadSignature)),
            LicenseCase("license signature with R having a small-order component (refused: R must be of prime order)", SealedSignature(plaintext, Ed25519TestMath.SignWithTorsionR(VendorSeed, signedMessage)), c, "BadSignature"),
            LicenseCase("signed content names another root", SealedPlaintext((Content() with { RootKeyId = OtherRoot.KeyId }).ToBytes()), c, nameof(LicenseErrorCode.BadSignature)),
            LicenseCase("signed content names another signing key", SealedPlaintext((Content() with { VendorKeyId = OtherVendor.KeyId }).ToBytes()), c, nameof(LicenseErrorCode.BadSignature)),
            LicenseCase("signed content names another host key", SealedPlaintext((Content() with { HostKeyFingerprint = new string('0', 64) }).ToBytes()), c, nameof(LicenseErrorCode.NotForThisHost)),
            LicenseCase("CRLF plaintext inside a valid envelope", SealedPlaintext(Encoding.UTF8.GetBytes(Content().ToText().Replace("\n", "\r\n", StringComparison.Ordinal))), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("plaintext with a 16th line", SealedPlaintext(Encoding.UTF8.GetBytes(Content().ToText() + "comment: x\n")), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("format 1 plaintext (no root-key-id line)", SealedPlaintext(Encoding.UTF8.GetBytes(string.Join('\n', Content().ToText().Split('\n')[..14]) + "\n")), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("expired certificate: issued after Valid-Until", IssuedWith(new CertifiedSigningKey(Vendor, root.Certify(Vendor.PublicKey, ExpiredValidFrom, ExpiredValidUntil))), c, nameof(LicenseErrorCode.CertificateExpired)),
            LicenseCase("certificate not yet valid: issued before Valid-From", IssuedWith(new CertifiedSigningKey(Vendor, root.Certify(Vendor.PublicKey, LaterValidFrom, ValidUntil.AddYears(1)))), c, nameof(LicenseErrorCode.CertificateExpired)),
            LicenseCase("issued in the last second of the certificate", IssuedWith(new CertifiedSigningKey(Vendor, root.Certify(Vendor.PublicKey, ExpiredValidFrom, Created))), c, "None"),
            LicenseCase("format 1", license.Replace("Format: 2", "Format: 1", StringComparison.Ordinal), c, nameof(LicenseErrorCode.UnsupportedVersion)),
            LicenseCase("format 3", license.Replace("Format: 2", "Format: 3", StringComparison.Ordinal), c, nameof(LicenseErrorCode.UnsupportedVersion)),
            LicenseCase("truncated in the license block", license[..300], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("cut inside a header line, before its colon", license[..(license.IndexOf("Signing-Key-Id", StringComparison.Ordinal) + 7)], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("certificate block missing", license[..licenseBlockEnd], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("truncated in the certificate block", license[..(licenseBlockEnd + 200)], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("cut inside the certificate's END line", license[..^10], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("text after the certificate", license + "x\n", c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("two certificates", license + Certificate.Export(), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("license END line misspelled", license.Replace("-----END LICENSEPORTAL LICENSE-----", "-----END LICENSEPORTAL LICENCE-----", StringComparison.Ordinal), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("empty", string.Empty, c, nameof(LicenseErrorCode.Empty)),
            LicenseCase("not canonical: extra space", license.Replace("Format: 2", "Format:  2", StringComparison.Ordinal), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("a certificate given as license", Certificate.Export(), c, nameof(LicenseErrorCode.Malformed)),
        ];
    }

    private static string Swap(string text, int a, int b)
    {
        var lines = text.Split('\n');
        (lines[a], lines[b]) = (lines[b], lines[a]);
        return string.Join('\n', lines);
    }

    /// <summary>Flips one bit of the decoded license body (negative index counts from the end) and re-armors canonically, keeping the certificate.</summary>
    public static string FlipBodyBit(string license, int index, int bit)
    {
        var parsed = LicenseFile.Read(license);
        var body = (byte[])parsed.Body.Clone();
        var i = index < 0 ? body.Length + index : index;
        body[i] ^= (byte)(1 << bit);
        var headers = LicenseFile.BuildHeaders(parsed.Header.RootKeyId, parsed.Header.VendorKeyId, parsed.Header.HostKeyFingerprint, parsed.EphemeralPublic);
        return Armor.Write(KeyFiles.LicenseLabel, headers, body) + parsed.Certificate!.Export();
    }

    public static DateTimeOffset ParseTime(string s) => DateTimeOffset.ParseExact(s, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>The high-water mark a license case gives, or null.</summary>
    public static LicenseHighWater? HighWater(JsonElement c)
    {
        if (!c.TryGetProperty("highWater", out var hw))
        {
            return null;
        }

        var revisions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in hw.GetProperty("revisions").EnumerateObject())
        {
            revisions[p.Name] = p.Value.GetInt32();
        }

        return new LicenseHighWater(ParseTime(hw.GetProperty("trustedTime").GetString()!), revisions);
    }
}
