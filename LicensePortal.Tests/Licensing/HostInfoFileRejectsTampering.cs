using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class HostInfoFileRejectsTampering(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private string Original => HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "VMware-42 1a 2b", f.Host, LicensingFixture.Now);

    private static HostInfoErrorCode CodeOf(string text) => Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(text)).Code;

    [Theory]
    [InlineData("Instance: demo-01", "Instance: demo-02")]
    [InlineData("MAC: 52:54:00:12:34:56", "MAC: 52:54:00:12:34:57")]
    [InlineData("Serial: VMware-42 1a 2b", "Serial: VMware-42 1a 2c")]
    [InlineData("Created: 2026-11-28T12:00:00Z", "Created: 2026-11-28T12:00:01Z")]
    public void Edited_field_fails_the_check_code(string from, string to)
    {
        var edited = Original.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Original, edited);

        Assert.Equal(HostInfoErrorCode.BadCheckCode, CodeOf(edited));
    }

    [Fact]
    public void Host_keys_swapped_for_another_hosts_keys_fail_the_check_code()
    {
        var lines = Original.Split('\n');
        lines[Line(lines, "Host-Signing-Key: ")] = "Host-Signing-Key: " + f.OtherHost.PublicKey.SigningKeyBase64;
        Assert.Equal(HostInfoErrorCode.BadCheckCode, CodeOf(string.Join('\n', lines)));

        lines = Original.Split('\n');
        lines[Line(lines, "Host-Encryption-Key: ")] = "Host-Encryption-Key: " + f.OtherHost.PublicKey.EncryptionKeyBase64;
        Assert.Equal(HostInfoErrorCode.BadCheckCode, CodeOf(string.Join('\n', lines)));
    }

    [Fact]
    public void File_signed_by_another_hosts_key_fails_the_check_code()
    {
        var other = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "VMware-42 1a 2b", f.OtherHost, LicensingFixture.Now);
        var lines = Original.Split('\n');
        lines[Line(lines, "Check-Code: ")] = other.Split('\n')[Line(lines, "Check-Code: ")];

        Assert.Equal(HostInfoErrorCode.BadCheckCode, CodeOf(string.Join('\n', lines)));
    }

    [Fact]
    public void Every_single_character_change_is_rejected()
    {
        var original = Original;
        for (var i = 0; i < original.Length - 1; i++)
        {
            var chars = original.ToCharArray();
            chars[i] = chars[i] == 'x' ? 'y' : 'x';
            var edited = new string(chars);
            var ex = Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(edited));
            Assert.NotEqual(default, ex.Code);
        }
    }

    [Fact]
    public void Reordered_lines_are_rejected()
    {
        var lines = Original.Split('\n');
        (lines[2], lines[3]) = (lines[3], lines[2]);

        Assert.Equal(HostInfoErrorCode.Malformed, CodeOf(string.Join('\n', lines)));
    }

    [Fact]
    public void Added_line_is_rejected()
    {
        Assert.Equal(HostInfoErrorCode.Malformed, CodeOf(Original + "Extra: 1\n"));
        Assert.Equal(HostInfoErrorCode.Malformed, CodeOf(Original.Replace("MAC:", "Comment: hi\nMAC:", StringComparison.Ordinal)));
    }

    [Fact]
    public void Mixed_line_endings_are_rejected()
    {
        var mixed = Original.Replace("MAC: 52:54:00:12:34:56\n", "MAC: 52:54:00:12:34:56\r\n", StringComparison.Ordinal);

        Assert.Equal(HostInfoErrorCode.Malformed, CodeOf(mixed));
    }

    [Fact]
    public void Lone_carriage_return_is_rejected()
    {
        Assert.Equal(HostInfoErrorCode.Malformed, CodeOf(Original.Replace("\n", "\r", StringComparison.Ordinal)));
    }

    [Fact]
    public void Upper_case_mac_in_the_file_is_rejected_as_not_normalized()
    {
        Assert.Equal(HostInfoErrorCode.InvalidField, CodeOf(Original.Replace("52:54:00:12:34:56", "52:54:00:12:34:5A", StringComparison.Ordinal)));
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        Assert.Equal(HostInfoErrorCode.Empty, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(ReadOnlySpan<byte>.Empty)).Code);
        Assert.Equal(HostInfoErrorCode.Empty, CodeOf(string.Empty));
    }

    [Fact]
    public void File_larger_than_64_KiB_is_rejected()
    {
        var huge = Encoding.UTF8.GetBytes(Original + new string('a', 70_000));

        Assert.Equal(HostInfoErrorCode.TooLarge, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(huge)).Code);
    }

    [Fact]
    public void Binary_and_non_utf8_input_is_rejected()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00];
        Assert.Equal(HostInfoErrorCode.NotText, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(png)).Code);

        var latin1 = Encoding.Latin1.GetBytes(Original.Replace("demo-01", "démo-01", StringComparison.Ordinal));
        Assert.Equal(HostInfoErrorCode.NotText, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(latin1)).Code);

        byte[] withNul = [.. Encoding.UTF8.GetBytes(Original), 0];
        Assert.Equal(HostInfoErrorCode.NotText, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(withNul)).Code);
    }

    [Fact]
    public void Byte_order_mark_is_rejected()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Original)];

        Assert.Equal(HostInfoErrorCode.NotText, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(bom)).Code);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    [InlineData(0.95)]
    public void Truncated_file_is_rejected_as_truncated(double fraction)
    {
        var original = Original;
        var cut = original[..(int)(original.Length * fraction)];

        Assert.Equal(HostInfoErrorCode.Truncated, CodeOf(cut));
    }

    [Fact]
    public void Unknown_version_is_rejected_as_unsupported()
    {
        Assert.Equal(HostInfoErrorCode.UnsupportedVersion, CodeOf(Original.Replace("LicensePortal-HostInfo: 2", "LicensePortal-HostInfo: 3", StringComparison.Ordinal)));
    }

    [Fact]
    public void Old_system_host_info_is_rejected_as_malformed()
    {
        var old = "demo-01\n52:54:00:12:34:56\nSN-1\n0a1b2c\n-----BEGIN PUBLIC KEY-----\nMIGf\n-----END PUBLIC KEY-----\n";

        Assert.Equal(HostInfoErrorCode.Malformed, CodeOf(old));
    }

    private static int Line(string[] lines, string prefix) => Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
}
