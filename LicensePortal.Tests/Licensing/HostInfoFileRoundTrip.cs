using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class HostInfoFileRoundTrip(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    [Fact]
    public void Written_file_parses_back_to_the_same_values()
    {
        var text = HostInfoFile.Write("demo-01", "52:54:00:AB:CD:EF", "VMware-42 1a 2b", f.Host, LicensingFixture.Now.AddMilliseconds(700));

        var info = HostInfoFile.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Equal("demo-01", info.InstanceName);
        Assert.Equal("52:54:00:ab:cd:ef", info.Mac);
        Assert.Equal("VMware-42 1a 2b", info.SerialNumber);
        Assert.Equal(LicensingFixture.Now, info.CreatedAt);
        Assert.Equal(f.Host.Fingerprint, info.HostKeyFingerprint);
        Assert.Equal(f.Host.PublicKey.EncryptionKeyBase64, info.HostPublicKey.EncryptionKeyBase64);
    }

    [Fact]
    public void File_is_human_readable_text_showing_instance_mac_and_serial()
    {
        var text = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "SN-123", f.Host, LicensingFixture.Now);
        var lines = text.Split('\n');

        Assert.Equal("LicensePortal-HostInfo: 2", lines[0]);
        Assert.Equal("Instance: demo-01", lines[1]);
        Assert.Equal("MAC: 52:54:00:12:34:56", lines[2]);
        Assert.Equal("Serial: SN-123", lines[3]);
        Assert.Equal("Host-Id: mac 52:54:00:12:34:56", lines[4]);
        Assert.Equal("Host-Id: dmi-serial SN-123", lines[5]);
        Assert.Equal("Created: 2026-11-28T12:00:00Z", lines[6]);
        Assert.StartsWith("Check-Code: ", lines[9], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[10]);
    }

    [Fact]
    public void Windows_line_endings_are_accepted_when_every_line_uses_them()
    {
        var text = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "SN-123", f.Host, LicensingFixture.Now);

        var info = HostInfoFile.Parse(text.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal("SN-123", info.SerialNumber);
    }

    [Fact]
    public void Missing_final_line_feed_is_accepted()
    {
        var text = HostInfoFile.Write("demo-01", "52:54:00:12:34:56", "SN-123", f.Host, LicensingFixture.Now);

        var info = HostInfoFile.Parse(text.TrimEnd('\n'));

        Assert.Equal("demo-01", info.InstanceName);
    }

    [Fact]
    public void Unicode_instance_names_round_trip()
    {
        var text = HostInfoFile.Write("桌面-01", "52:54:00:12:34:56", "SN-123", f.Host, LicensingFixture.Now);

        Assert.Equal("桌面-01", HostInfoFile.Parse(Encoding.UTF8.GetBytes(text)).InstanceName);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" leading-space")]
    [InlineData("line\nbreak")]
    public void Invalid_instance_names_cannot_be_written(string name)
    {
        Assert.Throws<ArgumentException>(() => HostInfoFile.Write(name, "52:54:00:12:34:56", "SN", f.Host, LicensingFixture.Now));
    }

    [Theory]
    [InlineData("52:54:00:12:34")]
    [InlineData("00:00:00:00:00:00")]
    [InlineData("52.54.00.12.34.56")]
    [InlineData("52:54-00:12:34:56")]
    public void Invalid_mac_addresses_cannot_be_written(string mac)
    {
        Assert.Throws<ArgumentException>(() => HostInfoFile.Write("demo", mac, "SN", f.Host, LicensingFixture.Now));
    }
}
