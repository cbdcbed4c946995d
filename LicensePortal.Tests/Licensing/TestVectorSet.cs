using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>
/// Builds the committed test vectors in docs/test-vectors from fixed secrets (each the SHA-256 of a label),
/// so a second implementation can check itself byte for byte.
/// </summary>
internal static class TestVectorSet
{
    public static readonly DateTimeOffset Created = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    public const string Mac = "52:54:00:12:34:56";
    public const string Serial = "VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8";
    public const string Instance = "demo-01";

    public static byte[] Secret(string label) => SHA256.HashData(Encoding.ASCII.GetBytes(label));

    public static byte[] VendorSeed => Secret("licenseportal test vector: vendor key");

    public static byte[] OtherVendorSeed => Secret("licenseportal test vector: other vendor key");

    public static byte[] HostSigningSeed => Secret("licenseportal test vector: host signing key");

    public static byte[] HostEncryptionPrivate => Secret("licenseportal test vector: host encryption key");

    public static byte[] EphemeralPrivate => Secret("licenseportal test vector: ephemeral key");

    public static byte[] Nonce => Secret("licenseportal test vector: nonce")[..12];

    public static VendorKey Vendor => VendorKey.FromSeed(VendorSeed);

    public static VendorKey OtherVendor => VendorKey.FromSeed(OtherVendorSeed);

    public static HostKey Host => HostKey.FromPrivateBytes(HostSigningSeed, HostEncryptionPrivate);

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
        HostKeyFingerprint = Host.Fingerprint,
    };

    public static string HostInfoText => HostInfoFile.Write(Instance, Mac, Serial, Host, Created);

    public static string LicenseText => LicenseFile.Issue(Content(), Vendor, Host.PublicKey, EphemeralPrivate, Nonce);

    /// <summary>Every committed file name and its exact content.</summary>
    public static IReadOnlyDictionary<string, string> Files() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["vendor.key"] = Vendor.ExportPrivate(),
        ["vendor.pub"] = Vendor.PublicKey.Export(),
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
        var plaintext = Content().ToBytes();
        var signature = vendor.Sign(LicenseFile.SignatureDomain, plaintext);
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(EphemeralPrivate);
        var shared = Primitives.X25519Agree(EphemeralPrivate, host.PublicKey.EncryptionKey);
        byte[] salt = [.. ephemeralPublic, .. host.PublicKey.EncryptionKey];
        byte[] info = [.. LicenseFile.KdfLabel, 0, .. Encoding.ASCII.GetBytes(vendor.KeyId), 0, .. Encoding.ASCII.GetBytes(host.Fingerprint), 0, .. ephemeralPublic];
        var key = LicenseFile.DeriveKey(shared, ephemeralPublic, host.PublicKey.EncryptionKey, vendor.KeyId, host.Fingerprint);
        var aad = Armor.HeaderText(LicenseFile.BuildHeaders(vendor.KeyId, host.Fingerprint, ephemeralPublic));
        var license = LicenseText;
        var hostInfo = HostInfoText;

        var root = new JsonObject
        {
            ["description"] = "LicensePortal format v1 test vectors. Secrets are SHA-256 of ASCII labels (nonce: first 12 bytes). See docs/license-format.md.",
            ["inputs"] = new JsonObject
            {
                ["vendorSeedHex"] = Hex(VendorSeed),
                ["otherVendorSeedHex"] = Hex(OtherVendorSeed),
                ["hostSigningSeedHex"] = Hex(HostSigningSeed),
                ["hostEncryptionPrivateHex"] = Hex(HostEncryptionPrivate),
                ["ephemeralPrivateHex"] = Hex(EphemeralPrivate),
                ["nonceHex"] = Hex(Nonce),
                ["instance"] = Instance,
                ["mac"] = Mac,
                ["serial"] = Serial,
                ["created"] = "2026-11-28T12:00:00Z",
            },
            ["derived"] = new JsonObject
            {
                ["vendorPublicKeyHex"] = Hex(vendor.PublicKey.Bytes),
                ["vendorKeyId"] = vendor.KeyId,
                ["otherVendorKeyId"] = OtherVendor.KeyId,
                ["hostSigningPublicHex"] = Hex(host.PublicKey.SigningKey),
                ["hostEncryptionPublicHex"] = Hex(host.PublicKey.EncryptionKey),
                ["hostKeyFingerprint"] = host.Fingerprint,
                ["licensePlaintextHex"] = Hex(plaintext),
                ["licenseSignatureHex"] = Hex(signature),
                ["ephemeralPublicHex"] = Hex(ephemeralPublic),
                ["x25519SharedSecretHex"] = Hex(shared),
                ["hkdfSaltHex"] = Hex(salt),
                ["hkdfInfoHex"] = Hex(info),
                ["aeadKeyHex"] = Hex(key),
                ["associatedData"] = aad,
            },
            ["hostInfoCases"] = new JsonArray(
                Case("valid", hostInfo, "Ok"),
                Case("valid with CRLF line endings", hostInfo.Replace("\n", "\r\n", StringComparison.Ordinal), "Ok"),
                Case("instance name edited", hostInfo.Replace("Instance: demo-01", "Instance: demo-02", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
                Case("serial edited", hostInfo.Replace("f8\n", "f9\n", StringComparison.Ordinal), nameof(HostInfoErrorCode.BadCheckCode)),
                Case("lines reordered", Swap(hostInfo, 2, 3), nameof(HostInfoErrorCode.Malformed)),
                Case("line added", hostInfo + "Comment: x\n", nameof(HostInfoErrorCode.Malformed)),
                Case("truncated", hostInfo[..150], nameof(HostInfoErrorCode.Truncated)),
                Case("version 2", hostInfo.Replace("HostInfo: 1", "HostInfo: 2", StringComparison.Ordinal), nameof(HostInfoErrorCode.UnsupportedVersion))),
            ["licenseCases"] = new JsonArray(
                LicenseCase("valid", license, "2026-11-28T12:00:00Z", "None"),
                LicenseCase("valid on its expiry day", license, "2027-12-31T23:59:59Z", "None"),
                LicenseCase("valid with CRLF line endings", license.Replace("\n", "\r\n", StringComparison.Ordinal), "2026-11-28T12:00:00Z", "None"),
                LicenseCase("expired the day after", license, "2028-01-01T00:00:00Z", nameof(LicenseErrorCode.Expired)),
                LicenseCase("issued more than 5 minutes in the future", license, "2026-11-28T11:54:59Z", nameof(LicenseErrorCode.IssuedInFuture)),
                LicenseCase("issued within the 5 minute skew", license, "2026-11-28T11:55:00Z", "None"),
                LicenseCase("other MAC expected", license, "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.HostMismatch), mac: "52:54:00:12:34:57"),
                LicenseCase("older than installed revision 3", license, "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.OlderThanInstalled), installedRevision: 3),
                LicenseCase("same as installed revision 2", license, "2026-11-28T12:00:00Z", "None", installedRevision: 2),
                LicenseCase("body bit flipped", FlipBodyBit(license, 40, 3), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.NotForThisHost)),
                LicenseCase("tag bit flipped", FlipBodyBit(license, -1, 7), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.NotForThisHost)),
                LicenseCase("header fingerprint changed", license.Replace(host.Fingerprint, new string('0', 64), StringComparison.Ordinal), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.NotForThisHost)),
                LicenseCase("signed by an untrusted vendor key", LicenseFile.Issue(Content() with { VendorKeyId = string.Empty }, OtherVendor, host.PublicKey, EphemeralPrivate, Nonce), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.UnknownVendorKey)),
                LicenseCase("sealed under trusted key id but signed by another key", LicensingFixtureForgeryDeterministic(), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.BadSignature)),
                LicenseCase("format 2", license.Replace("Format: 1", "Format: 2", StringComparison.Ordinal), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.UnsupportedVersion)),
                LicenseCase("truncated", license[..300], "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.Truncated)),
                LicenseCase("empty", string.Empty, "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.Empty)),
                LicenseCase("not canonical: extra space", license.Replace("Format: 1", "Format:  1", StringComparison.Ordinal), "2026-11-28T12:00:00Z", nameof(LicenseErrorCode.Malformed))),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject Case(string name, string text, string expected) => new() { ["name"] = name, ["text"] = text, ["expected"] = expected };

    private static JsonObject LicenseCase(string name, string text, string now, string expected, string mac = Mac, int? installedRevision = null)
    {
        var o = new JsonObject
        {
            ["name"] = name,
            ["text"] = text,
            ["now"] = now,
            ["expectedMac"] = mac,
            ["expectedSerial"] = Serial,
            ["trustedVendorKeyIds"] = new JsonArray(Vendor.KeyId),
        };
        if (installedRevision is not null)
        {
            o["installedRevision"] = installedRevision.Value;
        }

        o["expected"] = expected;
        return o;
    }

    private static string Swap(string text, int a, int b)
    {
        var lines = text.Split('\n');
        (lines[a], lines[b]) = (lines[b], lines[a]);
        return string.Join('\n', lines);
    }

    /// <summary>Flips one bit of the decoded body (negative index counts from the end) and re-armors canonically.</summary>
    public static string FlipBodyBit(string license, int index, int bit)
    {
        var parsed = LicenseFile.Read(license);
        var body = (byte[])parsed.Body.Clone();
        var i = index < 0 ? body.Length + index : index;
        body[i] ^= (byte)(1 << bit);
        var headers = LicenseFile.BuildHeaders(parsed.Header.VendorKeyId, parsed.Header.HostKeyFingerprint, parsed.EphemeralPublic);
        return Armor.Write(KeyFiles.LicenseLabel, headers, body);
    }

    private static string LicensingFixtureForgeryDeterministic()
    {
        var host = Host.PublicKey;
        var plaintext = Content().ToBytes();
        byte[] inner = [.. plaintext, .. OtherVendor.Sign(LicenseFile.SignatureDomain, plaintext)];
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(EphemeralPrivate);
        var shared = Primitives.X25519Agree(EphemeralPrivate, host.EncryptionKey);
        var headers = LicenseFile.BuildHeaders(Vendor.KeyId, host.Fingerprint, ephemeralPublic);
        var key = LicenseFile.DeriveKey(shared, ephemeralPublic, host.EncryptionKey, Vendor.KeyId, host.Fingerprint);
        var body = new byte[12 + inner.Length + 16];
        Nonce.CopyTo(body, 0);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(Nonce, inner, body.AsSpan(12, inner.Length), body.AsSpan(12 + inner.Length), Encoding.UTF8.GetBytes(Armor.HeaderText(headers)));
        return Armor.Write(KeyFiles.LicenseLabel, headers, body);
    }

    public static DateTimeOffset ParseTime(string s) => DateTimeOffset.ParseExact(s, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
