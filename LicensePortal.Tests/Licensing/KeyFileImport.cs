using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class KeyFileImport(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private VendorKey Vendor => f.Vendor.Key;

    private VendorKey OtherVendor => f.OtherVendor.Key;

    [Fact]
    public void Vendor_key_id_is_first_16_hex_of_sha256_of_the_public_key()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Vendor.PublicKey.GetBytes()))[..16];

        Assert.Equal(expected, Vendor.KeyId);
        Assert.Equal(Vendor.KeyId, Vendor.PublicKey.KeyId);
    }

    [Fact]
    public void Root_key_id_is_first_16_hex_and_fingerprint_all_64_hex_of_sha256_of_the_public_key()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f.Root.PublicKey.GetBytes()));

        Assert.Equal(expected, f.Root.PublicKey.Fingerprint);
        Assert.Equal(expected[..16], f.Root.KeyId);
    }

    [Fact]
    public void Vendor_private_key_round_trips_and_signs_the_same()
    {
        var imported = VendorKey.ImportPrivate(Vendor.ExportPrivate());

        Assert.Equal(Vendor.KeyId, imported.KeyId);
        var file = LicenseFile.Issue(f.Content(), new CertifiedSigningKey(imported, f.Vendor.Certificate), f.Host.PublicKey);
        Assert.True(f.Verify(file).IsValid);
    }

    [Fact]
    public void Root_private_key_round_trips_and_certifies_the_same()
    {
        var imported = VendorRootKey.ImportPrivate(f.Root.ExportPrivate());
        var key = VendorKey.Generate();

        Assert.Equal(f.Root.KeyId, imported.KeyId);
        Assert.True(imported.Certify(key.PublicKey, LicensingFixture.Now, LicensingFixture.Now.AddDays(1)).IsSignedBy(f.Root.PublicKey));
    }

    [Fact]
    public void Root_public_key_file_shows_its_key_id_and_round_trips()
    {
        var text = f.Root.PublicKey.Export();

        Assert.StartsWith("-----BEGIN LICENSEPORTAL VENDOR ROOT PUBLIC KEY-----\nFormat: 1\nKey-Id: " + f.Root.KeyId + "\n\n", text, StringComparison.Ordinal);
        Assert.Equal(f.Root.PublicKey, VendorRootPublicKey.Import(text));
        Assert.Equal(f.Root.PublicKey, VendorRootPublicKey.FromBytes(f.Root.PublicKey.GetBytes()));
        Assert.StartsWith("-----BEGIN LICENSEPORTAL VENDOR ROOT PRIVATE KEY-----\nFormat: 1\nKey-Id: " + f.Root.KeyId + "\n\n", f.Root.ExportPrivate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Root_and_signing_key_files_are_not_accepted_for_each_other()
    {
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.Import(f.Root.ExportPrivate())).Code);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.Import(Vendor.PublicKey.Export())).Code);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(f.Root.PublicKey.Export())).Code);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorRootKey.ImportPrivate(Vendor.ExportPrivate())).Code);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.Import(f.Vendor.Certificate.Export())).Code);
    }

    [Fact]
    public void Root_public_key_with_another_key_id_is_refused()
    {
        var text = f.Root.PublicKey.Export().Replace(f.Root.KeyId, f.OtherRoot.KeyId, StringComparison.Ordinal);

        Assert.Equal(KeyFileErrorCode.KeyIdMismatch, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.Import(text)).Code);
    }

    [Fact]
    public void Vendor_public_key_file_shows_its_key_id_and_round_trips()
    {
        var text = Vendor.PublicKey.Export();

        Assert.StartsWith("-----BEGIN LICENSEPORTAL VENDOR PUBLIC KEY-----\nFormat: 1\nKey-Id: " + Vendor.KeyId + "\n", text, StringComparison.Ordinal);
        Assert.Equal(Vendor.PublicKey.GetBytes(), VendorPublicKey.Import(text).GetBytes());
    }

    [Fact]
    public void Host_private_key_round_trips()
    {
        var imported = HostKey.ImportPrivate(f.Host.ExportPrivate());

        Assert.Equal(f.Host.Fingerprint, imported.Fingerprint);
        Assert.True(LicenseVerifier.Verify(f.Issue(), imported, f.Trusted, f.Identity, LicensingFixture.Now).IsValid);
    }

    [Fact]
    public void Host_public_key_file_round_trips()
    {
        var imported = HostPublicKey.Import(f.Host.PublicKey.Export());

        Assert.Equal(f.Host.Fingerprint, imported.Fingerprint);
    }

    [Fact]
    public void Vendor_private_key_file_given_as_public_key_is_refused_as_wrong_type()
    {
        var ex = Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(Vendor.ExportPrivate()));

        Assert.Equal(KeyFileErrorCode.WrongKeyType, ex.Code);
        Assert.Contains("wrong type", ex.Message, StringComparison.Ordinal);
        Assert.Contains("vendor private key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_key_files_given_as_vendor_public_key_are_refused_as_wrong_type()
    {
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(f.Host.ExportPrivate())).Code);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(f.Host.PublicKey.Export())).Code);
    }

    [Fact]
    public void Vendor_public_key_given_as_private_key_is_refused_as_wrong_type()
    {
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => VendorKey.ImportPrivate(Vendor.PublicKey.Export())).Code);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, Assert.Throws<KeyFileException>(() => HostKey.ImportPrivate(Vendor.ExportPrivate())).Code);
    }

    [Theory]
    [InlineData("", KeyFileErrorCode.Empty)]
    [InlineData("garbage", KeyFileErrorCode.Malformed)]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n", KeyFileErrorCode.Malformed)]
    [InlineData("\u0001\u0002binary", KeyFileErrorCode.NotText)]
    public void Garbage_is_refused_with_a_reason(string text, KeyFileErrorCode code)
    {
        Assert.Equal(code, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(text)).Code);
    }

    [Fact]
    public void Oversized_and_truncated_key_files_are_refused()
    {
        var text = Vendor.PublicKey.Export();

        Assert.Equal(KeyFileErrorCode.TooLarge, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(text + new string('A', 70_000))).Code);
        Assert.Equal(KeyFileErrorCode.Truncated, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(text[..(text.Length - 20)])).Code);
    }

    [Fact]
    public void Key_id_that_does_not_match_the_key_is_refused()
    {
        var text = Vendor.PublicKey.Export().Replace(Vendor.KeyId, OtherVendor.KeyId, StringComparison.Ordinal);

        Assert.Equal(KeyFileErrorCode.KeyIdMismatch, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(text)).Code);
    }

    [Fact]
    public void Unknown_key_file_version_is_refused_as_unsupported()
    {
        var text = Vendor.PublicKey.Export().Replace("Format: 1", "Format: 9", StringComparison.Ordinal);

        Assert.Equal(KeyFileErrorCode.UnsupportedVersion, Assert.Throws<KeyFileException>(() => VendorPublicKey.Import(text)).Code);
    }

    [Fact]
    public void Host_fingerprint_covers_both_public_keys()
    {
        var a = HostPublicKey.FromBase64(f.Host.PublicKey.SigningKeyBase64, f.Host.PublicKey.EncryptionKeyBase64);
        var b = HostPublicKey.FromBase64(f.Host.PublicKey.SigningKeyBase64, f.OtherHost.PublicKey.EncryptionKeyBase64);
        var c = HostPublicKey.FromBase64(f.OtherHost.PublicKey.SigningKeyBase64, f.Host.PublicKey.EncryptionKeyBase64);

        Assert.Equal(f.Host.Fingerprint, a.Fingerprint);
        Assert.Equal(64, a.Fingerprint.Length);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }

    [Fact]
    public void Public_keys_compare_equal_by_value()
    {
        Assert.Equal(f.Host.PublicKey, HostPublicKey.Import(f.Host.PublicKey.Export()));
        Assert.NotEqual(f.Host.PublicKey, f.OtherHost.PublicKey);
        Assert.Equal(Vendor.PublicKey, VendorPublicKey.Import(Vendor.PublicKey.Export()));
        Assert.NotEqual(Vendor.PublicKey, OtherVendor.PublicKey);
    }

    [Fact]
    public void Host_info_records_with_the_same_values_are_equal()
    {
        var text = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "SN", f.Host, LicensingFixture.Now);

        Assert.Equal(HostInfoFile.Parse(text), HostInfoFile.Parse(text));
    }

    [Fact]
    public void Low_order_host_encryption_key_is_refused_so_no_license_is_sealed_to_it()
    {
        var zero = Convert.ToBase64String(new byte[32]);

        var ex = Assert.Throws<KeyFileException>(() => HostPublicKey.FromBase64(f.Host.PublicKey.SigningKeyBase64, zero));

        Assert.Equal(KeyFileErrorCode.InvalidKey, ex.Code);
    }

    [Fact]
    public void Host_info_carrying_a_low_order_encryption_key_is_an_invalid_field()
    {
        var lines = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "SN", f.Host, LicensingFixture.Now).Split('\n');
        lines[Array.FindIndex(lines, l => l.StartsWith("Host-Encryption-Key: ", StringComparison.Ordinal))] = "Host-Encryption-Key: " + Convert.ToBase64String(new byte[32]);

        var ex = Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(string.Join('\n', lines)));

        Assert.Equal(HostInfoErrorCode.InvalidField, ex.Code);
    }
}
