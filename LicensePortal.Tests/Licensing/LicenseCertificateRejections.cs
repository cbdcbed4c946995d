using System.Text;
using LicensePortal.Licensing;
using static LicensePortal.Tests.Licensing.LicensingFixtureForgery;

namespace LicensePortal.Tests.Licensing;

/// <summary>Licenses whose signing key is not certified by the trusted root, or not for the license's issue time.</summary>
public sealed class LicenseCertificateRejections(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private static readonly DateTimeOffset Now = LicensingFixture.Now;

    private static string LicenseBlock(string file) => file[..(file.IndexOf("-----END LICENSEPORTAL LICENSE-----\n", StringComparison.Ordinal) + 36)];

    [Fact]
    public void License_by_a_key_certified_by_another_root_is_unknown_root()
    {
        var result = f.Verify(LicenseFile.Issue(f.Content(), f.OtherVendor, f.Host.PublicKey));

        Assert.Equal(LicenseErrorCode.UnknownRootKey, result.Code);
    }

    [Fact]
    public void License_by_an_uncertified_key_with_a_self_made_certificate_naming_the_trusted_root_is_a_bad_certificate()
    {
        var rogue = VendorKey.Generate();
        var selfMade = CertificateSignedBySeed(TestVectorSet.OtherRootSeed, f.Root.KeyId, rogue.PublicKey, Now.AddDays(-1), Now.AddDays(1));
        var plaintext = (f.Content() with { VendorKeyId = rogue.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint }).ToBytes();

        var result = f.Verify(Seal(SignedInner(plaintext, rogue), f.Root.KeyId, rogue.KeyId, f.Host.PublicKey, selfMade));

        Assert.Equal(LicenseErrorCode.BadCertificate, result.Code);
        Assert.Null(result.Content);
    }

    [Fact]
    public void License_naming_one_signing_key_but_carrying_the_certificate_of_another_is_a_bad_certificate()
    {
        var other = LicensingFixture.Certify(f.Root, VendorKey.Generate());

        Assert.Equal(LicenseErrorCode.BadCertificate, f.Verify(LicenseBlock(f.Issue()) + other.Certificate.Export()).Code);
    }

    [Fact]
    public void License_whose_certificate_was_edited_is_a_bad_certificate()
    {
        var file = f.Issue();
        var certificate = WithCertificateHeader(file[LicenseBlock(file).Length..], "Valid-Until", "2099-12-31T23:59:59Z");

        Assert.Equal(LicenseErrorCode.BadCertificate, f.Verify(LicenseBlock(file) + certificate).Code);
    }

    [Fact]
    public void License_issued_after_the_certificate_ended_is_certificate_expired()
    {
        var key = LicensingFixture.Certify(f.Root, VendorKey.Generate(), Now.AddDays(-400), Now.AddDays(-35));

        var result = f.Verify(IssueUnchecked(f.Content(), key, f.Host.PublicKey));

        Assert.Equal(LicenseErrorCode.CertificateExpired, result.Code);
        Assert.NotNull(result.Content);
    }

    [Fact]
    public void License_issued_before_the_certificate_began_is_certificate_expired()
    {
        var key = LicensingFixture.Certify(f.Root, VendorKey.Generate(), Now.AddSeconds(1), Now.AddDays(30));

        Assert.Equal(LicenseErrorCode.CertificateExpired, f.Verify(IssueUnchecked(f.Content(), key, f.Host.PublicKey)).Code);
    }

    [Fact]
    public void License_issued_while_the_certificate_was_valid_stays_valid_after_it_ended()
    {
        var key = LicensingFixture.Certify(f.Root, VendorKey.Generate(), Now.AddDays(-10), Now);
        var file = LicenseFile.Issue(f.Content(), key, f.Host.PublicKey);

        Assert.True(f.Verify(file, Now.AddDays(200)).IsValid);
    }

    [Fact]
    public void Missing_certificate_is_truncated_and_garbage_after_the_license_block_is_malformed()
    {
        var block = LicenseBlock(f.Issue());

        Assert.Equal(LicenseErrorCode.Truncated, f.Verify(block).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(block + "hello\n").Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(block + f.Root.PublicKey.Export()).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(f.Issue() + f.Vendor.Certificate.Export()).Code);
    }

    [Fact]
    public void Signed_content_naming_another_root_is_a_bad_signature()
    {
        var plaintext = (f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.OtherRoot.KeyId, HostKeyFingerprint = f.Host.Fingerprint }).ToBytes();

        var result = f.Verify(Seal(SignedInner(plaintext, f.Vendor.Key), f.Root.KeyId, f.Vendor.KeyId, f.Host.PublicKey, f.Vendor.Certificate.Export()));

        Assert.Equal(LicenseErrorCode.BadSignature, result.Code);
    }

    [Fact]
    public void Crlf_plaintext_inside_a_valid_envelope_is_malformed()
    {
        var text = (f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint }).ToText();
        var crlf = Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal));

        var result = f.Verify(Seal(SignedInner(crlf, f.Vendor.Key), f.Root.KeyId, f.Vendor.KeyId, f.Host.PublicKey, f.Vendor.Certificate.Export()));

        Assert.Equal(LicenseErrorCode.Malformed, result.Code);
        Assert.True(f.Verify(Seal(SignedInner(Encoding.UTF8.GetBytes(text), f.Vendor.Key), f.Root.KeyId, f.Vendor.KeyId, f.Host.PublicKey, f.Vendor.Certificate.Export())).IsValid);
    }

    [Fact]
    public void License_signature_with_s_plus_l_is_a_bad_signature()
    {
        var plaintext = (f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint }).ToBytes();
        var inner = SignedInner(plaintext, f.Vendor.Key);
        byte[] tampered = [.. plaintext, .. Ed25519TestMath.WithSPlusL(inner.AsSpan(plaintext.Length))];

        Assert.Equal(LicenseErrorCode.BadSignature, f.Verify(Seal(tampered, f.Root.KeyId, f.Vendor.KeyId, f.Host.PublicKey, f.Vendor.Certificate.Export())).Code);
    }
}
