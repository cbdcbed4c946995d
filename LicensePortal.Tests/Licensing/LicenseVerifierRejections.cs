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
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Truncated_license_is_rejected_as_truncated(double fraction)
    {
        var file = f.Issue();

        Assert.Equal(LicenseErrorCode.Truncated, f.Verify(file[..(int)(file.Length * fraction)]).Code);
    }

    [Fact]
    public void Unknown_format_version_is_rejected_as_unsupported()
    {
        var file = f.Issue().Replace("Format: 1", "Format: 2", StringComparison.Ordinal);

        Assert.Equal(LicenseErrorCode.UnsupportedVersion, f.Verify(file).Code);
    }

    [Fact]
    public void Key_file_given_as_license_is_rejected_as_malformed()
    {
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(f.Vendor.PublicKey.Export()).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify("hello world").Code);
    }

    [Fact]
    public void Old_system_hex_license_is_rejected_as_malformed()
    {
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(Convert.ToHexString(Encoding.ASCII.GetBytes("100\n20\n"))).Code);
    }

    [Fact]
    public void License_signed_by_an_unknown_vendor_key_is_rejected()
    {
        var file = LicenseFile.Issue(f.Content(), f.OtherVendor, f.Host.PublicKey);

        Assert.Equal(LicenseErrorCode.UnknownVendorKey, f.Verify(file).Code);
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
    public void Untrusted_vendor_key_with_a_trusted_key_id_in_the_header_fails_the_signature()
    {
        // Another vendor signs, then the header is relabelled with the trusted key id: the key id is bound
        // into the AEAD (HKDF info and associated data), so the forgery does not even decrypt.
        var file = LicenseFile.Issue(f.Content(), f.OtherVendor, f.Host.PublicKey)
            .Replace(f.OtherVendor.KeyId, f.Vendor.KeyId, StringComparison.Ordinal);

        var result = f.Verify(file);

        Assert.False(result.IsValid);
        Assert.Contains(result.Code, new[] { LicenseErrorCode.NotForThisHost, LicenseErrorCode.BadSignature });
        Assert.Null(result.Content);
    }

    [Fact]
    public void Content_signed_by_unknown_key_and_sealed_under_trusted_key_id_fails_the_signature()
    {
        // A forger who knows only public keys can build a well-sealed file naming the trusted vendor:
        // sign with their own key inside, seal with the real key id. The signature check must catch it.
        var forged = LicensingFixtureForgery.SealWithForeignSignature(f.Content(), f.OtherVendor, f.Vendor.KeyId, f.Host.PublicKey);

        Assert.Equal(LicenseErrorCode.BadSignature, f.Verify(forged).Code);
    }

    [Fact]
    public void Every_flipped_bit_of_the_decoded_payload_is_caught()
    {
        var file = f.Issue();
        var parsed = LicenseFile.Read(file);
        var headers = LicenseFile.BuildHeaders(parsed.Header.VendorKeyId, parsed.Header.HostKeyFingerprint, parsed.EphemeralPublic);
        for (var bit = 0; bit < parsed.Body.Length * 8; bit++)
        {
            var body = (byte[])parsed.Body.Clone();
            body[bit / 8] ^= (byte)(1 << (bit % 8));
            var tampered = Armor.Write("LICENSEPORTAL LICENSE", headers, body);

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
        // Every bit of every header byte and every 7th byte elsewhere: thousands of cases, all refused.
        var headerEnd = file.IndexOf("\n\n", StringComparison.Ordinal) + 2;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i >= headerEnd && i % 7 != 0)
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

        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(file.Replace("Format: 1", "Format:  1", StringComparison.Ordinal)).Code);
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(file + "\n").Code);
        var lines = file.Split('\n').ToList();
        lines[6] = lines[6] + lines[7][..4];
        lines[7] = lines[7][4..];
        Assert.Equal(LicenseErrorCode.Malformed, f.Verify(string.Join('\n', lines)).Code);
    }
}
