using LicensePortal.Licensing;
using static LicensePortal.Tests.Licensing.LicensingFixtureForgery;

namespace LicensePortal.Tests.Licensing;

public sealed class SigningKeyCertificates(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private static readonly DateTimeOffset From = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Until = new(2027, 5, 31, 23, 59, 59, TimeSpan.Zero);

    private SigningKeyCertificate Certificate() => f.Root.Certify(f.Vendor.Key.PublicKey, From, Until);

    private static KeyFileErrorCode ImportCode(string text) => Assert.Throws<KeyFileException>(() => SigningKeyCertificate.Import(text)).Code;

    [Fact]
    public void Certificate_round_trips_and_verifies_under_its_root_only()
    {
        var text = Certificate().Export();

        var imported = SigningKeyCertificate.Import(text);

        Assert.Equal(text, imported.Export());
        Assert.Equal(f.Root.KeyId, imported.RootKeyId);
        Assert.Equal(f.Vendor.KeyId, imported.SigningKeyId);
        Assert.Equal(f.Vendor.Key.PublicKey, imported.SigningKey);
        Assert.Equal(From, imported.ValidFrom);
        Assert.Equal(Until, imported.ValidUntil);
        Assert.True(imported.IsSignedBy(f.Root.PublicKey));
        Assert.False(imported.IsSignedBy(f.OtherRoot.PublicKey));
    }

    [Fact]
    public void Certificate_file_is_six_headers_and_a_64_byte_signature()
    {
        var lines = Certificate().Export().Split('\n');

        Assert.Equal("-----BEGIN LICENSEPORTAL SIGNING KEY CERTIFICATE-----", lines[0]);
        Assert.Equal("Format: 1", lines[1]);
        Assert.Equal("Root-Key-Id: " + f.Root.KeyId, lines[2]);
        Assert.Equal("Signing-Key-Id: " + f.Vendor.KeyId, lines[3]);
        Assert.Equal("Signing-Key: " + Convert.ToBase64String(f.Vendor.Key.PublicKey.GetBytes()), lines[4]);
        Assert.Equal("Valid-From: 2026-06-01T00:00:00Z", lines[5]);
        Assert.Equal("Valid-Until: 2027-05-31T23:59:59Z", lines[6]);
        Assert.Equal(string.Empty, lines[7]);
        Assert.Equal(64, Convert.FromBase64String(lines[8] + lines[9]).Length);
        Assert.Equal("-----END LICENSEPORTAL SIGNING KEY CERTIFICATE-----", lines[10]);
        Assert.Equal(12, lines.Length);
    }

    [Fact]
    public void Signature_covers_the_domain_and_the_six_header_lines()
    {
        var text = Certificate().Export();
        Assert.Equal(ArmorProblem.None, Armor.TryParse(text, out var block, out _));
        byte[] message = [.. SigningKeyCertificate.SignatureDomain, .. block!.HeaderBytes()];

        Assert.True(Primitives.Ed25519Verify(f.Root.PublicKey.GetBytes(), [], message, block.Body));
        Assert.Equal("licenseportal-signing-key-certificate-v1\n"u8.ToArray(), SigningKeyCertificate.SignatureDomain);
    }

    [Fact]
    public void Times_are_truncated_to_whole_seconds_in_utc()
    {
        var local = new DateTimeOffset(2026, 6, 1, 8, 0, 0, 999, TimeSpan.FromHours(8));

        var certificate = f.Root.Certify(f.Vendor.Key.PublicKey, local, local.AddDays(1));

        Assert.Equal(From, certificate.ValidFrom);
        Assert.Equal(TimeSpan.Zero, certificate.ValidFrom.Offset);
        Assert.Contains("Valid-From: 2026-06-01T00:00:00Z\n", certificate.Export(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_validity_period_cannot_be_certified()
    {
        Assert.Throws<ArgumentException>(() => f.Root.Certify(f.Vendor.Key.PublicKey, Until, From));
        Assert.True(f.Root.Certify(f.Vendor.Key.PublicKey, From, From).Covers(From));
    }

    [Fact]
    public void Covers_is_inclusive_at_both_ends()
    {
        var certificate = Certificate();

        Assert.True(certificate.Covers(From));
        Assert.True(certificate.Covers(Until));
        Assert.False(certificate.Covers(From.AddSeconds(-1)));
        Assert.False(certificate.Covers(Until.AddSeconds(1)));
    }

    public static TheoryData<string, string> EditedHeaders => new()
    {
        { "Root-Key-Id", "0123456789abcdef" },
        { "Valid-From", "2026-05-31T00:00:00Z" },
        { "Valid-Until", "2037-05-31T23:59:59Z" },
    };

    [Theory]
    [MemberData(nameof(EditedHeaders))]
    public void Each_edited_statement_header_fails_the_root_signature(string name, string value)
    {
        var edited = WithCertificateHeader(Certificate().Export(), name, value);

        Assert.False(SigningKeyCertificate.Import(edited).IsSignedBy(f.Root.PublicKey));
    }

    [Fact]
    public void Edited_signing_key_with_its_key_id_fails_the_root_signature()
    {
        var other = f.OtherVendor.Key.PublicKey;
        var edited = WithCertificateHeader(WithCertificateHeader(Certificate().Export(), "Signing-Key", Convert.ToBase64String(other.GetBytes())), "Signing-Key-Id", other.KeyId);

        var imported = SigningKeyCertificate.Import(edited);

        Assert.Equal(other, imported.SigningKey);
        Assert.False(imported.IsSignedBy(f.Root.PublicKey));
    }

    [Fact]
    public void Edited_signing_key_or_key_id_alone_is_a_key_id_mismatch()
    {
        var other = f.OtherVendor.Key.PublicKey;

        Assert.Equal(KeyFileErrorCode.KeyIdMismatch, ImportCode(WithCertificateHeader(Certificate().Export(), "Signing-Key", Convert.ToBase64String(other.GetBytes()))));
        Assert.Equal(KeyFileErrorCode.KeyIdMismatch, ImportCode(WithCertificateHeader(Certificate().Export(), "Signing-Key-Id", other.KeyId)));
    }

    [Fact]
    public void Edited_format_is_unsupported()
    {
        Assert.Equal(KeyFileErrorCode.UnsupportedVersion, ImportCode(WithCertificateHeader(Certificate().Export(), "Format", "2")));
    }

    [Fact]
    public void Every_flipped_signature_bit_fails_the_root_signature()
    {
        var text = Certificate().Export();
        for (var bit = 0; bit < 512; bit++)
        {
            var flipped = WithCertificateSignature(text, s =>
            {
                var copy = (byte[])s.Clone();
                copy[bit / 8] ^= (byte)(1 << (bit % 8));
                return copy;
            });

            Assert.False(SigningKeyCertificate.Import(flipped).IsSignedBy(f.Root.PublicKey), $"bit {bit}");
        }
    }

    [Fact]
    public void Signature_with_s_plus_l_fails()
    {
        var edited = WithCertificateSignature(Certificate().Export(), s => Ed25519TestMath.WithSPlusL(s));

        Assert.False(SigningKeyCertificate.Import(edited).IsSignedBy(f.Root.PublicKey));
    }

    [Fact]
    public void Self_made_certificate_naming_the_trusted_root_is_not_signed_by_it()
    {
        var forged = CertificateSignedBySeed(TestVectorSet.OtherRootSeed, f.Root.KeyId, f.OtherVendor.Key.PublicKey, From, Until);

        var imported = SigningKeyCertificate.Import(forged);

        Assert.Equal(f.Root.KeyId, imported.RootKeyId);
        Assert.False(imported.IsSignedBy(f.Root.PublicKey));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    public void Garbage_is_refused(string text)
    {
        Assert.Contains(ImportCode(text), new[] { KeyFileErrorCode.Empty, KeyFileErrorCode.Malformed });
    }

    [Fact]
    public void Other_key_files_are_refused_as_wrong_type()
    {
        Assert.Equal(KeyFileErrorCode.WrongKeyType, ImportCode(f.Root.PublicKey.Export()));
        Assert.Equal(KeyFileErrorCode.WrongKeyType, ImportCode(f.Vendor.Key.PublicKey.Export()));
    }

    [Fact]
    public void License_file_is_not_a_certificate()
    {
        Assert.NotEqual(KeyFileErrorCode.Malformed, KeyFileErrorCode.WrongKeyType);
        Assert.Equal(KeyFileErrorCode.WrongKeyType, ImportCode(f.Issue()));
    }

    [Fact]
    public void Headers_reordered_missing_or_extra_are_malformed()
    {
        var text = Certificate().Export();
        Assert.Equal(ArmorProblem.None, Armor.TryParse(text, out var block, out _));
        var headers = block!.Headers.ToList();
        var swapped = headers.ToList();
        (swapped[4], swapped[5]) = (swapped[5], swapped[4]);

        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(Armor.Write(KeyFiles.CertificateLabel, swapped, block.Body)));
        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(Armor.Write(KeyFiles.CertificateLabel, headers[..5], block.Body)));
        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(Armor.Write(KeyFiles.CertificateLabel, [.. headers, new("Comment", "x")], block.Body)));
    }

    [Theory]
    [InlineData("2026-06-01T00:00:00")]
    [InlineData("2026-06-01 00:00:00Z")]
    [InlineData("2026-6-1T00:00:00Z")]
    [InlineData("2026-06-01T00:00:00.5Z")]
    [InlineData("2026-06-01T00:00:00+00:00")]
    public void Times_not_in_the_one_format_are_malformed(string time)
    {
        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(WithCertificateHeader(Certificate().Export(), "Valid-From", time)));
    }

    [Fact]
    public void Valid_until_before_valid_from_is_malformed()
    {
        var text = LicensingFixtureForgery.Certificate(CertificateHeaders(f.Root.KeyId, f.Vendor.KeyId, f.Vendor.Key.PublicKey.GetBytes(), Time(Until), Time(From)), m => f.Root.Sign([], m));

        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(text));
    }

    [Fact]
    public void Upper_case_key_ids_and_non_canonical_base64_are_malformed()
    {
        var text = Certificate().Export();

        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(WithCertificateHeader(text, "Root-Key-Id", f.Root.KeyId.ToUpperInvariant())));
        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(WithCertificateHeader(text, "Signing-Key", Convert.ToBase64String(f.Vendor.Key.PublicKey.GetBytes()).TrimEnd('='))));
    }

    [Fact]
    public void Body_that_is_not_64_bytes_is_malformed()
    {
        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(WithCertificateSignature(Certificate().Export(), s => s[..63])));
        Assert.Equal(KeyFileErrorCode.Malformed, ImportCode(WithCertificateSignature(Certificate().Export(), s => [.. s, 0])));
    }

    [Fact]
    public void Truncated_certificate_is_truncated()
    {
        var text = Certificate().Export();

        Assert.Equal(KeyFileErrorCode.Truncated, ImportCode(text[..^10]));
        Assert.Equal(KeyFileErrorCode.Truncated, ImportCode(text[..(text.IndexOf("\n\n", StringComparison.Ordinal) + 20)]));
        Assert.Equal(KeyFileErrorCode.Truncated, ImportCode(text[..(text.IndexOf("Valid-Until", StringComparison.Ordinal) + 15)]));
    }

    [Fact]
    public void Certified_signing_key_must_match_its_certificate()
    {
        Assert.Throws<ArgumentException>(() => new CertifiedSigningKey(f.OtherVendor.Key, Certificate()));
    }
}
