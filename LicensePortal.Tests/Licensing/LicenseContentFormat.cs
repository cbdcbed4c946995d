using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class LicenseContentFormat(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    [Fact]
    public void Plaintext_starts_with_the_seeds_nine_lines_in_order_then_extras_then_the_host_identifiers()
    {
        var content = f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint };

        var lines = content.ToText().Split('\n');

        Assert.Equal(["100", "20", "150", "400", "1024", "10240", "2027-12-31", "52:54:00:12:34:56", "VMware-42 1a 2b 3c"], lines[..9]);
        Assert.Equal("issued-at: 2026-11-28T12:00:00Z", lines[9]);
        Assert.Equal("revision: 1", lines[10]);
        Assert.Equal("instance: demo-01", lines[11]);
        Assert.Equal("host-key-fingerprint: " + f.Host.Fingerprint, lines[12]);
        Assert.Equal("vendor-key-id: " + f.Vendor.KeyId, lines[13]);
        Assert.Equal("root-key-id: " + f.Root.KeyId, lines[14]);
        Assert.Equal("host-match: 2", lines[15]);
        Assert.Equal("host-id: mac 52:54:00:12:34:56", lines[16]);
        Assert.Equal("host-id: dmi-serial VMware-42 1a 2b 3c", lines[17]);
        Assert.Equal(string.Empty, lines[18]);
        Assert.Equal(19, lines.Length);
        Assert.Equal(content, LicenseContent.Parse(content.ToText()));
    }

    [Theory]
    [InlineData("100", "0100")]
    [InlineData("100", "+100")]
    [InlineData("100", "-100")]
    [InlineData("2027-12-31", "2027-12-32")]
    [InlineData("revision: 1", "revision: x")]
    [InlineData("instance: demo-01", "instance : demo-01")]
    public void Non_canonical_or_invalid_values_are_rejected(string from, string to)
    {
        var text = (f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint }).ToText();
        var index = text.IndexOf(from, StringComparison.Ordinal);
        var edited = string.Concat(text.AsSpan(0, index), to, text.AsSpan(index + from.Length));

        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => LicenseContent.Parse(edited)).Code);
    }

    [Fact]
    public void Crlf_plaintext_is_rejected_as_malformed()
    {
        var text = Bound().ToText();

        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => LicenseContent.Parse(text.Replace("\n", "\r\n", StringComparison.Ordinal))).Code);
        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => LicenseContent.Parse(text.Replace("revision: 1\n", "revision: 1\r\n", StringComparison.Ordinal))).Code);
    }

    [Fact]
    public void Format_1_plaintext_without_the_root_key_id_line_is_rejected()
    {
        var lines = Bound().ToText().Split('\n');

        Assert.Equal(LicenseErrorCode.Truncated, Assert.Throws<LicenseException>(() => LicenseContent.Parse(string.Join('\n', lines[..14]) + "\n")).Code);
    }

    [Fact]
    public void A_sixteenth_line_is_rejected()
    {
        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => LicenseContent.Parse(Bound().ToText() + "comment: x\n")).Code);
    }

    [Fact]
    public void Root_key_id_must_be_16_lower_case_hex()
    {
        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => (Bound() with { RootKeyId = f.Root.KeyId.ToUpperInvariant() }).ToText()).Code);
        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => (Bound() with { RootKeyId = f.Root.KeyId[..15] }).ToText()).Code);
    }

    /// <summary>
    /// The line count is judged before any field (docs/license-format.md section 7.1): up to 16 lines (a format 2 plaintext,
    /// or one without a host-id line) is Truncated, more than 32 Malformed. The verifier reports both as Malformed.
    /// </summary>
    [Fact]
    public void Line_count_is_judged_first_too_few_is_truncated_too_many_malformed()
    {
        var lines = Bound().ToText().Split('\n')[..^1];
        string Text(IEnumerable<string> l) => string.Concat(l.Select(x => x + "\n"));
        var seventeenIds = Enumerable.Range(1, 17).Select(i => $"host-id: mac 52:54:00:00:00:{i:x2}");

        Assert.Equal(LicenseErrorCode.Truncated, Assert.Throws<LicenseException>(() => LicenseContent.Parse(Text(lines[..15]))).Code);
        Assert.Equal(LicenseErrorCode.Truncated, Assert.Throws<LicenseException>(() => LicenseContent.Parse(Text(lines[..16]))).Code);
        Assert.Equal(LicenseErrorCode.Malformed, Assert.Throws<LicenseException>(() => LicenseContent.Parse(Text([.. lines[..16], .. seventeenIds]))).Code);
    }

    private LicenseContent Bound() => f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint };

    [Fact]
    public void Missing_lines_are_rejected_as_truncated()
    {
        var text = (f.Content() with { VendorKeyId = f.Vendor.KeyId, RootKeyId = f.Root.KeyId, HostKeyFingerprint = f.Host.Fingerprint }).ToText();
        var cut = string.Join('\n', text.Split('\n')[..9]) + "\n";

        Assert.Equal(LicenseErrorCode.Truncated, Assert.Throws<LicenseException>(() => LicenseContent.Parse(cut)).Code);
    }
}
