using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class HostIdentifierRules
{
    [Theory]
    [InlineData("+c4c4544-0042-3510-8052-b4c04f4e3232")]
    [InlineData("0x4c4544-0042-3510-8052-b4c04f4e3232")]
    [InlineData("4c4c4544-+042-3510-8052-b4c04f4e3232")]
    [InlineData("4c4c4544-0x42-3510-8052-b4c04f4e3232")]
    [InlineData("{4c4c4544-0042-3510-8052-b4c04f4e32}")]
    [InlineData("4c4c4544004235108052b4c04f4e3232")]
    public void A_uuid_is_exactly_8_4_4_4_12_hex_digits(string value)
    {
        Assert.False(HostIdentifier.TryCreate(HostIdentifierKind.DmiUuid, value, out _));
    }

    [Fact]
    public void A_uuid_and_a_mac_are_written_in_lower_case()
    {
        Assert.Equal("dmi-uuid 4c4c4544-0042-3510-8052-b4c04f4e3232", HostIdentifier.Create(HostIdentifierKind.DmiUuid, "4C4C4544-0042-3510-8052-B4C04F4E3232").ToString());
        Assert.Equal("mac 52:54:00:ab:cd:ef", HostIdentifier.Create(HostIdentifierKind.Mac, "52-54-00-AB-CD-EF").ToString());
    }

    [Fact]
    public void A_host_with_more_identifiers_than_a_file_carries_can_still_be_checked()
    {
        var macs = Enumerable.Range(1, 20).Select(n => HostIdentifier.Create(HostIdentifierKind.Mac, $"52:54:00:00:00:{n:x2}"));

        var host = new HostIdentity("52:54:00:00:00:01", "SN-1", macs);

        Assert.Equal(21, host.Identifiers.Count); // 20 MACs (the primary among them) and the serial
        Assert.Throws<ArgumentException>(() => HostInfoFile.Write("demo-01", host.Mac, host.SerialNumber, HostKey.Generate(), DateTimeOffset.UtcNow, host.Identifiers));
    }

    [Fact]
    public void A_license_needs_k_of_its_recorded_identifiers_and_ignores_extra_ones_on_the_host()
    {
        var recorded = new HostIdentity("52:54:00:00:00:01", "SN-1", [HostIdentifier.Create(HostIdentifierKind.Mac, "52:54:00:00:00:02")]).Identifiers;
        var replacedCard = new HostIdentity("52:54:00:00:00:09", "SN-1", [HostIdentifier.Create(HostIdentifierKind.Mac, "52:54:00:00:00:02")]);
        var otherMachine = new HostIdentity("52:54:00:00:00:09", "SN-2");

        Assert.Equal(2, replacedCard.Present(recorded).Count);
        Assert.Empty(otherMachine.Present(recorded));
    }
}
