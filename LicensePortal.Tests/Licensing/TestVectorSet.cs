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

    /// <summary>The vector host's second network card.</summary>
    public const string SecondMac = "52:54:00:ab:cd:ef";
    public const string DmiUuid = "4c4c4544-0042-3510-8052-b4c04f4e3232";
    public const string MachineId = "0123456789abcdef0123456789abcdef";

    /// <summary>A replacement for the primary network card.</summary>
    public const string ReplacedMac = "52:54:00:12:34:57";

    /// <summary>How many of the five recorded identifiers the vector license needs: one may change.</summary>
    public const int HostMatch = 4;

    /// <summary>The five identifiers the vector host presents and its license records, in canonical order.</summary>
    public static IReadOnlyList<HostIdentifier> HostIdentifiers =>
    [
        HostIdentifier.Create(HostIdentifierKind.Mac, Mac),
        HostIdentifier.Create(HostIdentifierKind.Mac, SecondMac),
        HostIdentifier.Create(HostIdentifierKind.DmiSerial, Serial),
        HostIdentifier.Create(HostIdentifierKind.DmiUuid, DmiUuid),
        HostIdentifier.Create(HostIdentifierKind.MachineId, MachineId),
    ];

    /// <summary><see cref="HostIdentifiers"/> as written in files, <c>kind value</c>.</summary>
    public static string[] HostIds => [.. HostIdentifiers.Select(i => i.ToString())];
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
        HostIdentifiers = HostIdentifiers,
        RequiredHostMatches = HostMatch,
    };

    public static string HostInfoText => HostInfoFile.Write(Instance, Mac, Serial, Host, Created, HostIdentifiers);

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
            ["description"] = "LicensePortal license format 3 (host info version 2) test vectors. Secrets are SHA-256 of ASCII labels (nonce: first 12 bytes). See docs/license-format.md and README.md here.",
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
                ["hostIdentifiers"] = new JsonArray(HostIds.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
                ["hostMatch"] = HostMatch,
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
        string WithCheckCode(Func<byte[], byte[]> sign) => HostInfo(Instance, Mac, Serial, Created, signingKey, host.PublicKey.EncryptionKeyBase64, sign, HostIds);
        string Signed(string instance, string mac, string serial, IEnumerable<string>? hostIds = null, int version = 2) =>
            HostInfo(instance, mac, serial, Created, signingKey, host.PublicKey.EncryptionKeyBase64, m => host.SignHostInfo([], m), hostIds ?? HostIds, version);
        string Resign(Func<List<string>, List<string>> edit) => ResignHostInfo(hostInfo, host, edit);
        static List<string> Edit(List<string> lines, Action<List<string>> edit)
        {
            edit(lines);
            return lines;
        }

        var hostIdLine = hostInfo.Split('\n').ToList().FindIndex(l => l.StartsWith("Host-Id: ", StringComparison.Ordinal));
        var extraMacs = Enumerable.Range(1, 12).Select(i => $"mac 52:54:00:00:00:{i:x2}").ToArray();
        var v1 = Signed(Instance, Mac, Serial, version: 1);
        var v1Lines = string.Concat(v1.Split('\n').Take(7).Select(l => l + "\n"));
        var topBit = (byte[])encryptionKey.Clone();
        topBit[31] |= 0x80;
        var cases = new JsonArray
        {
            Case("valid", hostInfo, "Ok"),
            Case("valid with CRLF line endings", hostInfo.Replace("\n", "\r\n", StringComparison.Ordinal), "Ok"),
            Case("valid without the final LF", hostInfo.TrimEnd('\n'), "Ok"),
            Case("valid version 1 (eight lines, no Host-Id, v1 domain; still read)", v1, "Ok"),
            Case("version 1 signed under the version 2 domain", SignHostInfoLines(v1Lines, HostInfoFile.SignatureDomain, m => host.SignHostInfo([], m)), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("version 2 signed under the version 1 domain", HostInfo(Instance, Mac, Serial, Created, signingKey, host.PublicKey.EncryptionKeyBase64, m => host.SignHostInfo([], [.. HostInfoFile.SignatureDomainV1, .. m[HostInfoFile.SignatureDomain.Length..]]), HostIds), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("version 1 first line with Host-Id lines (re-signed, v1 domain)", SignHostInfoLines(string.Concat(hostInfo.Replace("HostInfo: 2", "HostInfo: 1", StringComparison.Ordinal).Split('\n').TakeWhile(l => !l.StartsWith("Check-Code: ", StringComparison.Ordinal)).Select(l => l + "\n")), HostInfoFile.SignatureDomainV1, m => host.SignHostInfo([], m)), nameof(HostInfoErrorCode.Malformed)),
            Case("instance name edited", hostInfo.Replace("Instance: demo-01", "Instance: demo-02", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("serial edited", hostInfo.Replace("Serial: " + Serial, "Serial: " + Serial[..^1] + "9", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("MAC edited without re-signing (to one not among the Host-Id lines: the check code is judged first)", hostInfo.Replace("MAC: " + Mac, "MAC: " + ReplacedMac, StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("Host-Id line edited without re-signing", hostInfo.Replace("Host-Id: dmi-uuid " + DmiUuid, "Host-Id: dmi-uuid " + DmiUuid[..^1] + "3", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("Host-Id line removed without re-signing", hostInfo.Replace("Host-Id: mac " + SecondMac + "\n", string.Empty, StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
            Case("16 Host-Id lines (re-signed)", Signed(Instance, Mac, Serial, Canonical(extraMacs[..11].Concat(HostIds))), "Ok"),
            Case("17 Host-Id lines (re-signed)", Signed(Instance, Mac, Serial, Canonical(extraMacs.Concat(HostIds))), nameof(HostInfoErrorCode.InvalidField)),
            Case("no Host-Id line (re-signed)", Signed(Instance, Mac, Serial, []), nameof(HostInfoErrorCode.InvalidField)),
            Case("Host-Id lines out of canonical order (re-signed)", Signed(Instance, Mac, Serial, [HostIds[1], HostIds[0], .. HostIds[2..]]), nameof(HostInfoErrorCode.InvalidField)),
            Case("Host-Id lines ordered by kind name instead of the kind order (re-signed)", Signed(Instance, Mac, Serial, [HostIds[2], HostIds[3], HostIds[0], HostIds[1], HostIds[4]]), nameof(HostInfoErrorCode.InvalidField)),
            Case("duplicate Host-Id line (re-signed)", Signed(Instance, Mac, Serial, [HostIds[0], .. HostIds]), nameof(HostInfoErrorCode.InvalidField)),
            Case("Host-Id of an unknown kind (re-signed)", Signed(Instance, Mac, Serial, [.. HostIds, "disk-serial WD-WCC4N0123456"]), nameof(HostInfoErrorCode.InvalidField)),
            Case("Host-Id with an upper-case MAC (re-signed)", Signed(Instance, Mac, Serial, [.. HostIds.Select(i => i == "mac " + SecondMac ? "mac " + SecondMac.ToUpperInvariant() : i)]), nameof(HostInfoErrorCode.InvalidField)),
            Case("Host-Id with an upper-case dmi-uuid (re-signed)", Signed(Instance, Mac, Serial, [.. HostIds.Select(i => i == "dmi-uuid " + DmiUuid ? "dmi-uuid " + DmiUuid.ToUpperInvariant() : i)]), nameof(HostInfoErrorCode.InvalidField)),
            Case("MAC line not among the Host-Id lines (re-signed)", Signed(Instance, ReplacedMac, Serial), nameof(HostInfoErrorCode.InvalidField)),
            Case("serial not among the Host-Id lines (re-signed)", Signed(Instance, Mac, Serial + "0"), nameof(HostInfoErrorCode.InvalidField)),
            Case("serial machine-id:<hex> with its machine-id Host-Id (re-signed)", Signed(Instance, Mac, "machine-id:" + MachineId, [HostIds[0], HostIds[1], HostIds[3], HostIds[4]]), "Ok"),
            Case("serial machine-id:<hex> listed as dmi-serial instead of machine-id (re-signed)", Signed(Instance, Mac, "machine-id:" + MachineId, [HostIds[0], HostIds[1], "dmi-serial machine-id:" + MachineId, HostIds[3]]), nameof(HostInfoErrorCode.InvalidField)),
            Case("Host-Id line after Created (re-signed)", Resign(l => Edit(l, x => { var id = x[hostIdLine]; x.RemoveAt(hostIdLine); x.Insert(hostIdLine + HostIds.Length, id); })), nameof(HostInfoErrorCode.Malformed)),
            Case("lines reordered", Swap(hostInfo, 2, 3), nameof(HostInfoErrorCode.Malformed)),
            Case("line added", hostInfo + "Comment: x\n", nameof(HostInfoErrorCode.Malformed)),
            Case("truncated (inside the first Host-Id line)", hostInfo[..150], nameof(HostInfoErrorCode.Truncated)),
            Case("cut after the third Host-Id line", hostInfo[..(hostInfo.IndexOf("Host-Id: dmi-uuid", StringComparison.Ordinal))], nameof(HostInfoErrorCode.Truncated)),
            Case("version 3", hostInfo.Replace("HostInfo: 2", "HostInfo: 3", StringComparison.Ordinal), nameof(HostInfoErrorCode.UnsupportedVersion)),
            Case("tab inside the serial (a control character)", hostInfo.Replace("3c 4d", "3c\t4d", StringComparison.Ordinal), nameof(HostInfoErrorCode.NotText)),
            Case("U+0085 inside the serial (a C1 control character)", hostInfo.Replace("3c 4d", "3c\u00854d", StringComparison.Ordinal), nameof(HostInfoErrorCode.NotText)),
            Case("serial ends with U+3000 (white space)", Signed(Instance, Mac, Serial + "\u3000"), nameof(HostInfoErrorCode.InvalidField)),
            Case("instance name of 64 UTF-16 code units (32 astral characters)", Signed(string.Concat(Enumerable.Repeat("\U0001F600", 32)), Mac, Serial), "Ok"),
            Case("instance name of 65 UTF-16 code units", Signed(string.Concat(Enumerable.Repeat("\U0001F600", 32)) + "a", Mac, Serial), nameof(HostInfoErrorCode.InvalidField)),
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

    /// <summary>
    /// A license case: the host's primary MAC and serial (<paramref name="mac"/>, <paramref name="serial"/>) and every
    /// identifier it presents (<paramref name="identifiers"/>, <c>kind value</c>, default the vector host's five; the
    /// primary MAC and the serial's identifier count as presented even when not listed).
    /// </summary>
    private static JsonObject LicenseCase(string name, string text, string now, string expected, string mac = Mac, string serial = Serial, string? trustedTime = null, IReadOnlyDictionary<string, int>? revisions = null, IEnumerable<string>? identifiers = null)
    {
        var o = new JsonObject
        {
            ["name"] = name,
            ["text"] = text,
            ["now"] = now,
            ["expectedMac"] = mac,
            ["expectedSerial"] = serial,
            ["expectedIdentifiers"] = new JsonArray((identifiers ?? HostIds).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
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
        var text = Content().ToText();
        var lines = text.Split('\n')[..^1];
        string Plain(IEnumerable<string> l) => SealedPlaintext(Encoding.UTF8.GetBytes(string.Concat(l.Select(x => x + "\n"))));
        string WithLine(int index, string line) => Plain(lines.Select((l, i) => i == index ? line : l));
        string[] Present(params string[] ids) => ids;
        var macReplaced = HostIds.Select(i => i == "mac " + Mac ? "mac " + ReplacedMac : i).ToArray();
        var serialChanged = HostIds.Select(i => i == "dmi-serial " + Serial ? "dmi-serial " + Serial + "0" : i).ToArray();
        var macAndUuidChanged = macReplaced.Select(i => i == "dmi-uuid " + DmiUuid ? "dmi-uuid 4c4c4544-0042-3510-8052-b4c04f4e3233" : i).ToArray();
        var macAndSerialChanged = serialChanged.Select(i => i == "mac " + Mac ? "mac " + ReplacedMac : i).ToArray();
        var twoRecorded = Content() with { HostIdentifiers = [], RequiredHostMatches = 0 };
        var machineIdSerial = Content() with
        {
            SerialNumber = "machine-id:" + MachineId,
            HostIdentifiers = [HostIdentifiers[0], HostIdentifiers[4]],
            RequiredHostMatches = 2,
        };
        var sixteen = Content() with
        {
            HostIdentifiers = [.. Canonical(Enumerable.Range(1, 11).Select(i => $"mac 52:54:00:00:00:{i:x2}").Concat(HostIds)).Select(i => HostIdentifier.TryParse(i, out var id) ? id : default)],
        };
        var hostIdStart = Array.FindIndex(lines, l => l.StartsWith("host-id: ", StringComparison.Ordinal));
        var format2Plaintext = string.Concat(lines[..15].Select(l => l + "\n"));
        return
        [
            LicenseCase("valid", license, c, "None"),
            LicenseCase("valid on its expiry day", license, "2027-12-31T23:59:59Z", "None"),
            LicenseCase("valid with CRLF line endings", license.Replace("\n", "\r\n", StringComparison.Ordinal), c, "None"),
            LicenseCase("valid without the final LF", license.TrimEnd('\n'), c, "None"),
            LicenseCase("expired the day after", license, "2028-01-01T00:00:00Z", nameof(LicenseErrorCode.Expired)),
            LicenseCase("issued more than 5 minutes in the future", license, "2026-11-28T11:54:59Z", nameof(LicenseErrorCode.IssuedInFuture)),
            LicenseCase("issued within the 5 minute skew", license, "2026-11-28T11:55:00Z", "None"),
            LicenseCase("primary network card replaced: one MAC changed, 4 of 5 present", license, c, "None", mac: ReplacedMac, identifiers: macReplaced),
            LicenseCase("second network card removed: 4 of 5 present", license, c, "None", identifiers: HostIds.Where(i => i != "mac " + SecondMac)),
            LicenseCase("only the serial changed: 4 of 5 present", license, c, "None", serial: Serial + "0", identifiers: serialChanged),
            LicenseCase("MAC replaced and dmi-uuid changed: 3 of 5 present", license, c, nameof(LicenseErrorCode.HostMismatch), mac: ReplacedMac, identifiers: macAndUuidChanged),
            LicenseCase("other MAC and other serial: 3 of 5 present", license, c, nameof(LicenseErrorCode.HostMismatch), mac: ReplacedMac, serial: Serial + "0", identifiers: macAndSerialChanged),
            LicenseCase("host presents only its primary MAC and serial: 2 of 5", license, c, nameof(LicenseErrorCode.HostMismatch), identifiers: Present("mac " + Mac, "dmi-serial " + Serial)),
            LicenseCase("host lists only its other identifiers: the primary MAC and serial count as presented", license, c, "None", identifiers: Present("dmi-uuid " + DmiUuid, "machine-id " + MachineId)),
            LicenseCase("same identifiers presented in another order", license, c, "None", identifiers: Enumerable.Reverse(HostIds)),
            LicenseCase("host presents an extra identifier (a third network card)", license, c, "None", identifiers: [.. HostIds, "mac 52:54:00:00:00:99"]),
            LicenseCase("license recording only the MAC and serial (host-match 2 of 2): all present", IssuedWith(Signer, twoRecorded), c, "None"),
            LicenseCase("license recording only the MAC and serial (host-match 2 of 2): network card replaced", IssuedWith(Signer, twoRecorded), c, nameof(LicenseErrorCode.HostMismatch), mac: ReplacedMac, identifiers: macReplaced),
            LicenseCase("serial machine-id:<hex> stands for the identifier machine-id <hex> (host lists only its MAC)", IssuedWith(Signer, machineIdSerial), c, "None", serial: "machine-id:" + MachineId, identifiers: Present("mac " + Mac)),
            LicenseCase("serial machine-id:<hex> on a host with another machine id", IssuedWith(Signer, machineIdSerial), c, nameof(LicenseErrorCode.HostMismatch), serial: "machine-id:" + MachineId.Replace('0', 'f'), identifiers: Present("mac " + Mac)),
            LicenseCase("16 host-id lines, host-match 4: the host presents 5 of them", IssuedWith(Signer, sixteen), c, "None"),
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
            LicenseCase("plaintext with a line after the host-id lines", SealedPlaintext(Encoding.UTF8.GetBytes(text + "comment: x\n")), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-match 0", WithLine(15, "host-match: 0"), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-match 6 of 5 host-id lines", WithLine(15, "host-match: 6"), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-match 04 (not a canonical integer)", WithLine(15, "host-match: 04"), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-match 5 of 5 (all required) with all present", WithLine(15, "host-match: 5"), c, "None"),
            LicenseCase("host-match 5 of 5 (all required): network card replaced", WithLine(15, "host-match: 5"), c, nameof(LicenseErrorCode.HostMismatch), mac: ReplacedMac, identifiers: macReplaced),
            LicenseCase("host-id lines out of canonical order", Plain([.. lines[..hostIdStart], lines[hostIdStart + 1], lines[hostIdStart], .. lines[(hostIdStart + 2)..]]), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("duplicate host-id line", Plain([.. lines[..(hostIdStart + 1)], .. lines[hostIdStart..]]), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-id of an unknown kind", Plain([.. lines, "host-id: disk-serial WD-WCC4N0123456"]), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-id with an upper-case MAC", WithLine(hostIdStart + 1, "host-id: mac " + SecondMac.ToUpperInvariant()), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("17 host-id lines (33 lines)", Plain([.. lines[..hostIdStart], .. Canonical(Enumerable.Range(1, 12).Select(i => $"mac 52:54:00:00:00:{i:x2}").Concat(HostIds)).Select(i => "host-id: " + i)]), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("no host-id line (16 lines; the content parser says Truncated, the verifier Malformed)", Plain(lines[..16]), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("host-match line missing", Plain([.. lines[..15], .. lines[16..]]), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("format 2 plaintext (15 lines) in a format 3 envelope", SealedPlaintext(Encoding.UTF8.GetBytes(format2Plaintext)), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("format 1 plaintext (no root-key-id line)", SealedPlaintext(Encoding.UTF8.GetBytes(string.Join('\n', Content().ToText().Split('\n')[..14]) + "\n")), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("expired certificate: issued after Valid-Until", IssuedWith(new CertifiedSigningKey(Vendor, root.Certify(Vendor.PublicKey, ExpiredValidFrom, ExpiredValidUntil))), c, nameof(LicenseErrorCode.CertificateExpired)),
            LicenseCase("certificate not yet valid: issued before Valid-From", IssuedWith(new CertifiedSigningKey(Vendor, root.Certify(Vendor.PublicKey, LaterValidFrom, ValidUntil.AddYears(1)))), c, nameof(LicenseErrorCode.CertificateExpired)),
            LicenseCase("issued in the last second of the certificate", IssuedWith(new CertifiedSigningKey(Vendor, root.Certify(Vendor.PublicKey, ExpiredValidFrom, Created))), c, "None"),
            LicenseCase("format 1", license.Replace("Format: 3", "Format: 1", StringComparison.Ordinal), c, nameof(LicenseErrorCode.UnsupportedVersion)),
            LicenseCase("format 2 header", license.Replace("Format: 3", "Format: 2", StringComparison.Ordinal), c, nameof(LicenseErrorCode.UnsupportedVersion)),
            LicenseCase("a format 2 file as format 2 wrote it (15-line plaintext, Format: 2 in the associated data)", Seal(SignedInner(Encoding.UTF8.GetBytes(format2Plaintext), Vendor), root.KeyId, Vendor.KeyId, host.PublicKey, EphemeralPrivate, Nonce, Certificate.Export(), format: "2"), c, nameof(LicenseErrorCode.UnsupportedVersion)),
            LicenseCase("format 4", license.Replace("Format: 3", "Format: 4", StringComparison.Ordinal), c, nameof(LicenseErrorCode.UnsupportedVersion)),
            LicenseCase("truncated in the license block", license[..300], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("cut inside a header line, before its colon", license[..(license.IndexOf("Signing-Key-Id", StringComparison.Ordinal) + 7)], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("certificate block missing", license[..licenseBlockEnd], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("truncated in the certificate block", license[..(licenseBlockEnd + 200)], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("cut inside the certificate's END line", license[..^10], c, nameof(LicenseErrorCode.Truncated)),
            LicenseCase("text after the certificate", license + "x\n", c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("two certificates", license + Certificate.Export(), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("license END line misspelled", license.Replace("-----END LICENSEPORTAL LICENSE-----", "-----END LICENSEPORTAL LICENCE-----", StringComparison.Ordinal), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("empty", string.Empty, c, nameof(LicenseErrorCode.Empty)),
            LicenseCase("not canonical: extra space", license.Replace("Format: 3", "Format:  3", StringComparison.Ordinal), c, nameof(LicenseErrorCode.Malformed)),
            LicenseCase("a certificate given as license", Certificate.Export(), c, nameof(LicenseErrorCode.Malformed)),
        ];
    }

    /// <summary>Identifiers written <c>kind value</c>, parsed and put in canonical order (by kind in the order mac, dmi-serial, dmi-uuid, machine-id, then by value), any number.</summary>
    private static string[] Canonical(IEnumerable<string> ids)
    {
        var parsed = ids.Select(i => HostIdentifier.TryParse(i, out var id) ? id : throw new ArgumentException(i)).ToArray();
        Array.Sort(parsed, (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Value, b.Value));
        return [.. parsed.Select(i => i.ToString())];
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
