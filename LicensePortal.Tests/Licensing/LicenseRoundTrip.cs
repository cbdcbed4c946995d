using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class LicenseRoundTrip(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    [Fact]
    public void Host_info_to_issued_license_to_verified_content_round_trips()
    {
        var hostInfoText = HostInfoFile.Write("demo-01", f.Identity.Mac, f.Identity.SerialNumber, f.Host, LicensingFixture.Now);
        var hostInfo = HostInfoFile.Parse(Encoding.UTF8.GetBytes(hostInfoText));
        var content = f.Content() with { Mac = hostInfo.Mac, SerialNumber = hostInfo.SerialNumber, InstanceName = hostInfo.InstanceName };

        var file = LicenseFile.Issue(content, f.Vendor, hostInfo.HostPublicKey);
        var result = LicenseVerifier.Verify(file, f.Host, f.Trusted, hostInfo.Identity, LicensingFixture.Now);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(LicenseErrorCode.None, result.Code);
        var expected = content with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint };
        Assert.Equal(expected, result.Content);
    }

    [Fact]
    public void License_file_is_the_armored_license_block_then_the_certificate_with_no_visible_quotas()
    {
        var file = f.Issue();
        var certificate = f.Vendor.Certificate.Export();
        Assert.EndsWith(certificate, file, StringComparison.Ordinal);
        var lines = file[..^certificate.Length].Split('\n');

        Assert.Equal("-----BEGIN LICENSEPORTAL LICENSE-----", lines[0]);
        Assert.Equal("Format: 3", lines[1]);
        Assert.Equal("Root-Key-Id: " + f.Root.KeyId, lines[2]);
        Assert.Equal("Signing-Key-Id: " + f.Vendor.KeyId, lines[3]);
        Assert.Equal("Host-Key-Fingerprint: " + f.Host.Fingerprint, lines[4]);
        Assert.StartsWith("Ephemeral-Key: ", lines[5], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[6]);
        Assert.Equal("-----END LICENSEPORTAL LICENSE-----", lines[^2]);
        Assert.Equal(string.Empty, lines[^1]);
        Assert.All(lines[7..^2], l => Assert.InRange(l.Length, 1, 64));
        Assert.DoesNotContain("10240", file, StringComparison.Ordinal);
        Assert.DoesNotContain("52:54:00", file, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_issues_of_the_same_content_differ_because_of_fresh_ephemeral_key_and_nonce()
    {
        Assert.NotEqual(f.Issue(), f.Issue());
    }

    [Fact]
    public void Windows_line_endings_and_missing_final_line_feed_still_verify()
    {
        var file = f.Issue();

        Assert.True(f.Verify(file.Replace("\n", "\r\n", StringComparison.Ordinal)).IsValid);
        Assert.True(f.Verify(file.TrimEnd('\n')).IsValid);
    }

    [Fact]
    public void Header_can_be_read_without_keys()
    {
        var header = LicenseFile.ReadHeader(f.Issue());

        Assert.Equal(2, header.Format);
        Assert.Equal(f.Root.KeyId, header.RootKeyId);
        Assert.Equal(f.Vendor.KeyId, header.VendorKeyId);
        Assert.Equal(f.Host.Fingerprint, header.HostKeyFingerprint);
    }

    [Fact]
    public void License_is_valid_through_its_expiry_day_and_expired_the_day_after()
    {
        var file = f.Issue(f.Content(expires: new DateOnly(2026, 11, 28)));

        Assert.True(f.Verify(file, new DateTimeOffset(2026, 11, 28, 23, 59, 59, TimeSpan.Zero)).IsValid);
        var next = f.Verify(file, new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(LicenseErrorCode.Expired, next.Code);
        Assert.NotNull(next.Content);
    }

    [Fact]
    public void Expiry_uses_the_utc_date_not_the_local_date()
    {
        var file = f.Issue(f.Content(expires: new DateOnly(2026, 11, 28)));
        var beijingMorningNextDay = new DateTimeOffset(2026, 11, 29, 6, 0, 0, TimeSpan.FromHours(8));

        Assert.True(f.Verify(file, beijingMorningNextDay).IsValid);
    }

    [Fact]
    public void License_issued_more_than_five_minutes_in_the_future_is_refused_as_clock_tamper()
    {
        var file = f.Issue(f.Content(issuedAt: LicensingFixture.Now.AddMinutes(6)));

        Assert.Equal(LicenseErrorCode.IssuedInFuture, f.Verify(file).Code);
        Assert.True(f.Verify(f.Issue(f.Content(issuedAt: LicensingFixture.Now.AddMinutes(4)))).IsValid);
    }

    [Fact]
    public void Content_naming_another_vendor_key_cannot_be_issued()
    {
        var content = f.Content() with { VendorKeyId = f.OtherVendor.KeyId };

        Assert.Throws<ArgumentException>(() => LicenseFile.Issue(content, f.Vendor, f.Host.PublicKey));
    }

    [Fact]
    public void Content_naming_another_root_or_host_cannot_be_issued()
    {
        Assert.Throws<ArgumentException>(() => LicenseFile.Issue(f.Content() with { RootKeyId = f.OtherRoot.KeyId }, f.Vendor, f.Host.PublicKey));
        Assert.Throws<ArgumentException>(() => LicenseFile.Issue(f.Content() with { HostKeyFingerprint = f.OtherHost.Fingerprint }, f.Vendor, f.Host.PublicKey));
    }

    [Theory]
    [InlineData(-181)]
    [InlineData(181)]
    public void Content_whose_issue_time_the_certificate_does_not_cover_cannot_be_issued(int days)
    {
        var content = f.Content(issuedAt: LicensingFixture.Now.AddDays(days));

        var ex = Assert.Throws<ArgumentException>(() => LicenseFile.Issue(content, f.Vendor, f.Host.PublicKey));

        Assert.Contains("does not cover", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Content_issued_at_the_first_and_last_second_of_the_certificate_can_be_issued()
    {
        var from = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var key = LicensingFixture.Certify(f.Root, VendorKey.Generate(), from, until);

        Assert.True(f.Verify(LicenseFile.Issue(f.Content(issuedAt: until), key, f.Host.PublicKey)).IsValid);
        Assert.True(f.Verify(LicenseFile.Issue(f.Content(issuedAt: from), key, f.Host.PublicKey), from).IsValid);
        Assert.Throws<ArgumentException>(() => LicenseFile.Issue(f.Content(issuedAt: until.AddSeconds(1)), key, f.Host.PublicKey));
        Assert.Throws<ArgumentException>(() => LicenseFile.Issue(f.Content(issuedAt: from.AddSeconds(-1)), key, f.Host.PublicKey));
    }

    [Fact]
    public void Fractions_of_a_second_after_the_certificates_last_second_are_still_covered()
    {
        // The issue time is written in whole seconds, so Issue judges the truncated time, as every host will.
        var until = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var key = LicensingFixture.Certify(f.Root, VendorKey.Generate(), until.AddDays(-1), until);

        Assert.True(f.Verify(LicenseFile.Issue(f.Content(issuedAt: until.AddMilliseconds(999)), key, f.Host.PublicKey)).IsValid);
    }

    [Fact]
    public void Negative_quota_cannot_be_issued()
    {
        var ex = Assert.Throws<LicenseException>(() => f.Issue(f.Content(maxDesktops: -1)));

        Assert.Equal(LicenseErrorCode.Malformed, ex.Code);
    }
}
