using LicensePortal.Agent;

namespace LicensePortal.Tests.Agent;

public sealed class HostIdentityReading : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private HostIdentityReader Reader => new(_box.SysRoot);

    [Fact]
    public void Mac_of_the_default_route_physical_interface_is_used_and_normalized()
    {
        Assert.Equal("eth0", Reader.DefaultRouteInterface());
        Assert.Equal("52:54:00:ab:cd:ef", Reader.ReadMac());
    }

    [Fact]
    public void Virtual_default_route_interface_falls_back_to_first_physical_interface_by_name()
    {
        _box.SetDefaultRoute("docker0");

        Assert.Equal("52:54:00:00:00:09", Reader.ReadMac()); // enp9s0 sorts before eth0
    }

    [Fact]
    public void Missing_route_table_falls_back_to_first_physical_interface_by_name()
    {
        File.Delete(Path.Combine(_box.SysRoot, "proc/net/route"));

        Assert.Equal("52:54:00:00:00:09", Reader.ReadMac());
    }

    [Theory]
    [InlineData("docker0")]
    [InlineData("br-1234")]
    [InlineData("veth12ab")]
    [InlineData("virbr0")]
    [InlineData("lo")]
    public void Virtual_interfaces_are_never_physical_even_with_a_device_folder(string name)
    {
        _box.AddInterface(name, "02:00:00:00:00:01", physical: true);

        Assert.False(Reader.IsPhysical(name));
    }

    [Fact]
    public void Interface_without_device_is_not_physical()
    {
        _box.AddInterface("wlan9", "52:54:00:00:00:0a", physical: false);

        Assert.False(Reader.IsPhysical("wlan9"));
        Assert.True(Reader.IsPhysical("eth0"));
    }

    [Fact]
    public void No_physical_interface_gives_a_message_naming_where_it_looked()
    {
        Directory.Delete(Path.Combine(_box.SysRoot, "sys/class/net/eth0/device"));
        Directory.Delete(Path.Combine(_box.SysRoot, "sys/class/net/enp9s0/device"));

        var ex = Assert.Throws<AgentException>(() => Reader.ReadMac());

        Assert.Equal(ExitCodes.Environment, ex.ExitCode);
        Assert.Contains("sys/class/net", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serial_comes_from_product_serial()
    {
        _box.WriteSys("sys/class/dmi/id/board_serial", "BOARD-1\n");

        Assert.Equal("VMware-42 1a 2b 3c", Reader.ReadSerial());
    }

    [Fact]
    public void Placeholder_product_serial_falls_back_to_board_serial()
    {
        _box.WriteSys("sys/class/dmi/id/product_serial", "To Be Filled By O.E.M.\n");
        _box.WriteSys("sys/class/dmi/id/board_serial", "BOARD-1\n");

        Assert.Equal("BOARD-1", Reader.ReadSerial());
    }

    [Fact]
    public void Missing_dmi_falls_back_to_the_machine_id()
    {
        Directory.Delete(Path.Combine(_box.SysRoot, "sys/class/dmi"), recursive: true);
        _box.WriteSys("etc/machine-id", "0123456789abcdef0123456789abcdef\n");

        Assert.Equal("machine-id:0123456789abcdef0123456789abcdef", Reader.ReadSerial());
    }

    [Fact]
    public void Dmi_with_only_placeholders_falls_back_to_the_machine_id()
    {
        _box.WriteSys("sys/class/dmi/id/product_serial", "Not Specified\n");
        _box.WriteSys("etc/machine-id", "0123456789abcdef0123456789abcdef\n");

        Assert.Equal("machine-id:0123456789abcdef0123456789abcdef", Reader.ReadSerial());
    }

    [Fact]
    public void Neither_dmi_nor_a_well_formed_machine_id_gives_a_message_naming_both()
    {
        Directory.Delete(Path.Combine(_box.SysRoot, "sys/class/dmi"), recursive: true);
        _box.WriteSys("etc/machine-id", "not-a-machine-id\n");

        var ex = Assert.Throws<AgentException>(() => Reader.ReadSerial());

        Assert.Equal(ExitCodes.Environment, ex.ExitCode);
        Assert.Contains("no DMI serial", ex.Message, StringComparison.Ordinal);
        Assert.Contains("machine id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_serial_file_says_run_as_root()
    {
        // Root can read any file, so an unreadable entry is simulated by a directory in its place,
        // which the runtime reports as access denied exactly like a 0400 file read by a normal user.
        File.Delete(Path.Combine(_box.SysRoot, "sys/class/dmi/id/product_serial"));
        Directory.CreateDirectory(Path.Combine(_box.SysRoot, "sys/class/dmi/id/product_serial"));

        var ex = Assert.Throws<AgentException>(() => Reader.ReadSerial());

        Assert.Contains("run as root", ex.Message, StringComparison.Ordinal);
    }
}
