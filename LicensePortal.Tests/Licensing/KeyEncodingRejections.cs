using System.Numerics;
using LicensePortal.Licensing;
using static LicensePortal.Tests.Licensing.LicensingFixtureForgery;

namespace LicensePortal.Tests.Licensing;

/// <summary>
/// Every place an Ed25519 or X25519 public key enters refuses small-order points, points with a small-order component and
/// non-canonical spellings, so one key has one encoding (and one key id or fingerprint) and no key verifies everything.
/// </summary>
public sealed class KeyEncodingRejections(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    public static TheoryData<string> BadEd25519Keys()
    {
        var data = new TheoryData<string>();
        foreach (var hex in Ed25519TestMath.SmallOrderHex)
        {
            data.Add(hex);
        }

        data.Add(Convert.ToHexStringLower(Ed25519TestMath.MixedOrderKey(TestVectorSet.VendorSeed)));
        data.Add(Convert.ToHexStringLower(Ed25519TestMath.NonCanonicalEd25519));
        data.Add(Convert.ToHexStringLower(Ed25519TestMath.RawEncoding(Ed25519TestMath.P + 1)));
        data.Add(Convert.ToHexStringLower(Ed25519TestMath.RawEncoding(1, 1)));
        data.Add(Convert.ToHexStringLower(Ed25519TestMath.RawEncoding(2)));
        return data;
    }

    public static TheoryData<string> BadX25519Keys()
    {
        var data = new TheoryData<string>();
        foreach (var u in Ed25519TestMath.LowOrderX25519)
        {
            data.Add(Convert.ToHexStringLower(Ed25519TestMath.ToLittleEndian(u)));
        }

        foreach (var u in new[] { Ed25519TestMath.P, Ed25519TestMath.P + 1, Ed25519TestMath.P + 9, BigInteger.Pow(2, 255) - 1 })
        {
            data.Add(Convert.ToHexStringLower(Ed25519TestMath.ToLittleEndian(u)));
        }

        var topBit = Ed25519TestMath.ToLittleEndian(9);
        topBit[31] |= 0x80;
        data.Add(Convert.ToHexStringLower(topBit));
        return data;
    }

    [Fact]
    public void The_test_encodings_are_what_they_claim()
    {
        var l = Ed25519TestMath.L;
        foreach (var hex in Ed25519TestMath.SmallOrderHex)
        {
            var point = Ed25519TestMath.Decode(Convert.FromHexString(hex));
            Assert.Equal((BigInteger.Zero, BigInteger.One), Ed25519TestMath.Multiply(8, point));
        }

        var mixed = Ed25519TestMath.Decode(Ed25519TestMath.MixedOrderKey(TestVectorSet.VendorSeed));
        Assert.NotEqual((BigInteger.Zero, BigInteger.One), Ed25519TestMath.Multiply(l, mixed));
        var genuine = Ed25519TestMath.Decode(TestVectorSet.Vendor.PublicKey.GetBytes());
        Assert.Equal((BigInteger.Zero, BigInteger.One), Ed25519TestMath.Multiply(l, genuine));
        Assert.True(Primitives.IsValidEd25519PublicKey(TestVectorSet.Vendor.PublicKey.GetBytes()));
        Assert.Throws<ArgumentException>(() => Ed25519TestMath.Decode(Ed25519TestMath.NonCanonicalEd25519));
    }

    [Theory]
    [MemberData(nameof(BadEd25519Keys))]
    public void Bad_ed25519_key_is_refused_as_host_signing_key(string hex)
    {
        var key = Convert.ToBase64String(Convert.FromHexString(hex));

        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => HostPublicKey.FromBase64(key, f.Host.PublicKey.EncryptionKeyBase64)).Code);
        var hostInfo = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "SN", f.Host, LicensingFixture.Now)
            .Replace("Host-Signing-Key: " + f.Host.PublicKey.SigningKeyBase64, "Host-Signing-Key: " + key, StringComparison.Ordinal);
        Assert.Equal(HostInfoErrorCode.InvalidField, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(hostInfo)).Code);
        var publicFile = KeyFiles.Write(KeyFiles.HostPublicLabel, "Fingerprint", new string('0', 64), [.. Convert.FromHexString(hex), .. f.Host.PublicKey.GetEncryptionKeyBytes()]);
        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => HostPublicKey.Import(publicFile)).Code);
    }

    [Theory]
    [MemberData(nameof(BadEd25519Keys))]
    public void Bad_ed25519_key_is_refused_as_root_public_key(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.FromBytes(bytes)).Code);
        var file = KeyFiles.Write(KeyFiles.RootPublicLabel, "Key-Id", Primitives.Sha256Hex(bytes)[..16], bytes);
        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.Import(file)).Code);
    }

    [Theory]
    [MemberData(nameof(BadEd25519Keys))]
    public void Bad_ed25519_key_is_refused_as_certified_signing_key(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        var certificate = CertificateOfRawKey(f.Root, bytes, LicensingFixture.Now.AddDays(-1), LicensingFixture.Now.AddDays(1));

        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => SigningKeyCertificate.Import(certificate)).Code);
        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => VendorPublicKey.FromBytes(bytes)).Code);
        var file = KeyFiles.Write(KeyFiles.VendorPublicLabel, "Key-Id", Primitives.Sha256Hex(bytes)[..16], bytes);
        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(file)).Code);
    }

    [Theory]
    [MemberData(nameof(BadEd25519Keys))]
    public void License_carrying_a_certificate_of_a_bad_signing_key_is_a_bad_certificate(string hex)
    {
        var license = f.Issue();
        var blockEnd = license.IndexOf("-----END LICENSEPORTAL LICENSE-----\n", StringComparison.Ordinal) + 36;
        var certificate = CertificateOfRawKey(f.Root, Convert.FromHexString(hex), LicensingFixture.Now.AddDays(-1), LicensingFixture.Now.AddDays(1));

        var result = f.Verify(license[..blockEnd] + certificate);

        Assert.Equal(LicenseErrorCode.BadCertificate, result.Code);
    }

    [Theory]
    [MemberData(nameof(BadX25519Keys))]
    public void Bad_x25519_key_is_refused_as_host_encryption_key(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.False(Primitives.IsCanonicalX25519(bytes) && !Primitives.IsLowOrderX25519(bytes));
        Assert.Equal(KeyFileErrorCode.InvalidKey, Assert.Throws<KeyFileException>(() => HostPublicKey.FromBase64(f.Host.PublicKey.SigningKeyBase64, Convert.ToBase64String(bytes))).Code);
        var hostInfo = HostInfoWithEncryptionKey(f.Host, bytes, "demo-01", "52:54:00:12:34:56", "SN", LicensingFixture.Now);
        Assert.Equal(HostInfoErrorCode.InvalidField, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(hostInfo)).Code);
    }

    [Fact]
    public void Canonical_x25519_key_of_large_order_is_accepted_in_host_info()
    {
        var hostInfo = HostInfoWithEncryptionKey(f.Host, Ed25519TestMath.ToLittleEndian(9), "demo-01", "52:54:00:12:34:56", "SN", LicensingFixture.Now);

        Assert.Equal(Convert.ToBase64String(Ed25519TestMath.ToLittleEndian(9)), HostInfoFile.Parse(hostInfo).HostPublicKey.EncryptionKeyBase64);
    }

    [Fact]
    public void The_same_x25519_key_spelled_with_the_top_bit_or_plus_p_is_refused_so_it_has_one_fingerprint()
    {
        var genuine = f.Host.PublicKey.GetEncryptionKeyBytes();
        var topBit = (byte[])genuine.Clone();
        topBit[31] |= 0x80;

        Assert.True(Primitives.IsCanonicalX25519(genuine));
        Assert.False(Primitives.IsCanonicalX25519(topBit));
        Assert.False(Primitives.IsCanonicalX25519(Ed25519TestMath.ToLittleEndian(Ed25519TestMath.P + 9)));
        Assert.True(Primitives.IsCanonicalX25519(Ed25519TestMath.ToLittleEndian(Ed25519TestMath.P - 1)));
    }

    [Theory]
    [MemberData(nameof(BadX25519Keys))]
    public void Non_canonical_or_low_order_ephemeral_key_in_a_license_is_refused(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        var license = f.Issue();
        var ephemeral = LicenseFile.ReadHeader(license).EphemeralKeyBase64;

        var result = f.Verify(license.Replace("Ephemeral-Key: " + ephemeral, "Ephemeral-Key: " + Convert.ToBase64String(bytes), StringComparison.Ordinal));

        Assert.Equal(Primitives.IsCanonicalX25519(bytes) ? LicenseErrorCode.NotForThisHost : LicenseErrorCode.Malformed, result.Code);
    }

    [Fact]
    public void A_license_cannot_be_issued_to_a_low_order_host_key()
    {
        // HostPublicKey refuses such keys; a key built around the check must still not be sealed to.
        var lowOrder = new HostPublicKey(f.Host.PublicKey.GetSigningKeyBytes(), new byte[32]);

        Assert.Throws<ArgumentException>(() => LicenseFile.Issue(f.Content(), f.Vendor, lowOrder));
    }

    [Fact]
    public void Identity_key_with_the_trivial_signature_does_not_verify()
    {
        byte[] trivial = [.. Ed25519TestMath.Identity, .. new byte[32]];

        Assert.False(Primitives.IsValidEd25519PublicKey(Ed25519TestMath.Identity));
        Assert.False(Primitives.Ed25519Verify(Ed25519TestMath.Identity, [], "anything"u8, trivial));
    }

    [Fact]
    public void Signatures_with_s_plus_l_non_canonical_r_or_r_not_of_prime_order_do_not_verify()
    {
        var seed = TestVectorSet.VendorSeed;
        var pub = Primitives.Ed25519PublicFromSeed(seed);
        var message = "licenseportal"u8.ToArray();
        var good = Primitives.Ed25519Sign(seed, [], message);

        Assert.True(Primitives.Ed25519Verify(pub, [], message, good));
        Assert.False(Primitives.Ed25519Verify(pub, [], message, Ed25519TestMath.WithSPlusL(good)));
        Assert.False(Primitives.Ed25519Verify(pub, [], message, Ed25519TestMath.SignWithNonCanonicalR(seed, message)));
        // Both hold under the cofactored equation BouncyCastle checks; R of small order or with a small-order component
        // is refused so that cofactorless verifiers (OpenSSL, Go) give the same answers.
        Assert.False(Primitives.Ed25519Verify(pub, [], message, Ed25519TestMath.SignWithR(seed, BigInteger.Zero, Ed25519TestMath.Identity, message)));
        Assert.False(Primitives.Ed25519Verify(pub, [], message, Ed25519TestMath.SignWithTorsionR(seed, message)));
    }
}
