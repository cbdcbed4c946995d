using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class LicenseVerifierRejections(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    [Fact]
    public void Empty_input_is_rejected()
    {
        Assert.Equal(LicenseErrorCode.Empty, f.Verify(string.Empty).Code);
    }

    [Fact]
    public void Input_larger_than_64_KiB_is_rejected()
    {
        Assert.Equal(LicenseErrorCode.TooLarge, f.Verify(f.Issue() + new string('A', 70_000)).Code);
    }

    [Fact]
    public void Binary_input_is_rejected()
    {
        Assert.Equal(LicenseErrorCode.NotText, f.Verify("\0\u0001\u0002PK\u0003\u0004").Code);
    }

    [Fact]
    public void Lone_surrogate_input_is_rejected_as_not_text()
    {
        Assert.Equal(LicenseErrorCode.NotText, f.Verify(f.Issue() + "\uD800").Code);
    }

    [Theory]
    [InlineData("in the license body", 0)]
    [InlineData("inside the license END line", 1)]
    [InlineData("after the license block", 2)]
    [InlineData("inside the certificate body", 3)]
    [InlineData("inside the certificate END line", 4)]
    public void Truncated_license_is_rejected_as_truncated(string where, int cut)
    {
        var file = f.Issue();
        var licenseEnd = file.IndexOf("-----END LICENSEPORTAL LICENSE-----\n", StringComparison.Ordinal);
        var certificateBody = file.IndexOf("\n\n", licenseEnd, StringComparison.Ordinal) + 2;
        var length = cut switch
        {
            0 => licenseEnd - 30,
            1 => licenseEnd + 20,
            2 => licenseEnd + 36,
            3 => certificateBody + 40,
            _ => file.Length - 10,
        };

        Assert.True(LicenseErrorCode.Truncated == f.Verify(file[..length]).Code, where);
    }

    [Fact]
    public void A_file_cut_inside_a_header_line_is_truncated_but_a_header_without_colon_inside_the_file_is_malformed()
    {
        var file = f.Issue();
        var headerWithoutColon = file.Replace("Signing-Key-Id: ", "Signing-Key-Id ", StringComparison.Ordinal);

        Assert.Equal(LicenseErrorCode.Truncated, f.Verify(file[..(file.IndexOf("Signing-Key-Id", StringComparison.Ordinal) + 8)]).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(headerWithoutColon).Code);
        Assert.Equal(LicenseErrorCode.Truncated, f.Verify(file[..(file.IndexOf("Signing-Key-Id", StringComparison.Ordinal) + 18)]).Code);
    }

    [Fact]
    public void Unknown_format_version_is_rejected_as_unsupported()
    {
        Assert.Equal(LicenseErrorCode.UnsupportedVersion, f.Verify(f.Issue().Replace("Format: 3", "Format: 4", StringComparison.Ordinal)).Code);
        Assert.Equal(LicenseErrorCode.UnsupportedVersion, f.Verify(f.Issue().Replace("Format: 3", "Format: 2", StringComparison.Ordinal)).Code);
        Assert.Equal(LicenseErrorCode.UnsupportedVersion, f.Verify(f.Issue().Replace("Format: 3", "Format: 1", StringComparison.Ordinal)).Code);
    }

    [Fact]
    public void Key_file_given_as_license_is_rejected_as_malformed()
    {
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(f.Vendor.Key.PublicKey.Export()).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(f.Vendor.Certificate.Export()).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(f.Root.PublicKey.Export()).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify("hello world").Code);
    }

    [Fact]
    public void Old_system_hex_license_is_rejected_as_malformed()
    {
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(Convert.ToHexString(Encoding.ASCII.GetBytes("100\n20\n"))).Code);
    }

    [Fact]
    public void License_signed_by_a_key_certified_by_another_root_is_rejected()
    {
        var file = LicenseFile.Issue(f.Content(), f.OtherVendor, f.Host.PublicKey);

        var result = f.Verify(file);

        Assert.Equal(LicenseErrorCode.UnknownRootKey, result.Code);
        Assert.Null(result.Content);
    }

    [Fact]
    public void License_for_another_host_key_is_rejected()
    {
        var file = LicenseFile.Issue(f.Content(), f.Vendor, f.OtherHost.PublicKey);

        Assert.Equal(LicenseErrorCode.NotForThisHost, f.Verify(file).Code);
    }

    [Fact]
    public void License_with_header_fingerprint_rewritten_to_this_host_cannot_be_decrypted()
    {
        var file = LicenseFile.Issue(f.Content(), f.Vendor, f.OtherHost.PublicKey)
            .Replace(f.OtherHost.Fingerprint, f.Host.Fingerprint, StringComparison.Ordinal);

        Assert.Equal(LicenseErrorCode.NotForThisHost, f.Verify(file).Code);
    }

    [Fact]
    public void License_for_another_mac_is_rejected_as_host_mismatch()
    {
        var file = f.Issue(f.Content() with { Mac = "52:54:00:99:99:99" });

        var result = f.Verify(file);

        Assert.Equal(LicenseErrorCode.HostMismatch, result.Code);
        Assert.Contains("52:54:00:99:99:99", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void License_for_another_serial_is_rejected_as_host_mismatch()
    {
        var file = f.Issue(f.Content() with { SerialNumber = "OTHER-SERIAL" });

        Assert.Equal(LicenseErrorCode.HostMismatch, f.Verify(file).Code);
    }

    [Fact]
    public void Other_roots_license_relabelled_with_the_trusted_ids_and_certificate_does_not_decrypt()
    {
        // Another vendor's license, its header relabelled with the trusted root and signing key ids and the genuine
        // certificate put in: the ids are bound into the AEAD (HKDF info and associated data), so it does not decrypt.
        var issued = LicenseFile.Issue(f.Content(), f.OtherVendor, f.Host.PublicKey);
        var block = issued[..(issued.IndexOf("-----END LICENSEPORTAL LICENSE-----\n", StringComparison.Ordinal) + 36)]
            .Replace(f.OtherVendor.KeyId, f.Vendor.KeyId, StringComparison.Ordinal)
            .Replace(f.OtherRoot.KeyId, f.Root.KeyId, StringComparison.Ordinal);

        var result = f.Verify(block + f.Vendor.Certificate.Export());

        Assert.Equal(LicenseErrorCode.NotForThisHost, result.Code);
        Assert.Null(result.Content);
    }

    [Fact]
    public void Content_signed_by_unknown_key_and_sealed_under_trusted_key_id_fails_the_signature()
    {
        // A forger who knows only public keys can build a well-sealed file naming the trusted vendor:
        // sign with their own key inside, seal with the real key id. The signature check must catch it.
        var forged = LicensingFixtureForgery.SealWithForeignSignature(f.Content(), f.OtherVendor.Key, f.Vendor, f.Host.PublicKey);

        Assert.Equal(LicenseErrorCode.BadSignature, f.Verify(forged).Code);
    }

    [Fact]
    public void Every_flipped_bit_of_the_decoded_payload_is_caught()
    {
        var file = f.Issue();
        var parsed = LicenseFile.Read(file);
        var headers = LicenseFile.BuildHeaders(parsed.Header.RootKeyId, parsed.Header.VendorKeyId, parsed.Header.HostKeyFingerprint, parsed.EphemeralPublic);
        var certificate = parsed.Certificate!.Export();
        for (var bit = 0; bit < parsed.Body.Length * 8; bit++)
        {
            var body = (byte[])parsed.Body.Clone();
            body[bit / 8] ^= (byte)(1 << (bit % 8));
            var tampered = Armor.Write("LICENSEPORTAL LICENSE", headers, body) + certificate;

            var result = f.Verify(tampered);

            Assert.False(result.IsValid, $"bit {bit} flip accepted");
            Assert.Equal(LicenseErrorCode.NotForThisHost, result.Code);
        }
    }

    [Fact]
    public void Flipped_bits_in_the_text_are_caught()
    {
        var file = f.Issue();
        var bytes = Encoding.UTF8.GetBytes(file);
        // Every bit of every header byte of both blocks and every 7th byte elsewhere: thousands of cases, all refused.
        var headerEnd = file.IndexOf("\n\n", StringComparison.Ordinal) + 2;
        var certificateStart = file.IndexOf("-----BEGIN LICENSEPORTAL SIGNING KEY CERTIFICATE-----", StringComparison.Ordinal);
        var certificateHeaderEnd = file.IndexOf("\n\n", certificateStart, StringComparison.Ordinal) + 2;
        for (var i = 0; i < bytes.Length; i++)
        {
            var inHeaders = i < headerEnd || (i >= certificateStart && i < certificateHeaderEnd);
            if (!inHeaders && i % 7 != 0)
            {
                continue;
            }

            for (var bit = 0; bit < 8; bit++)
            {
                var copy = (byte[])bytes.Clone();
                copy[i] ^= (byte)(1 << bit);
                string text;
                try
                {
                    text = new UTF8Encoding(false, true).GetString(copy);
                }
                catch (DecoderFallbackException)
                {
                    continue; // not representable as a string; the byte-level readers reject it as NotText
                }

                Assert.False(f.Verify(text).IsValid, $"byte {i} bit {bit} flip accepted");
            }
        }
    }

    [Fact]
    public void Extra_whitespace_or_rewrapped_base64_is_rejected_as_not_canonical()
    {
        var file = f.Issue();

        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(file.Replace("Format: 3", "Format:  3", StringComparison.Ordinal)).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(file + "\n").Code);
        var lines = file.Split('\n').ToList();
        Assert.Equal(string.Empty, lines[6]);
        lines[7] = lines[7] + lines[8][..4];
        lines[8] = lines[8][4..];
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(string.Join('\n', lines)).Code);
    }
}
