using LicensePortal.Agent;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

/// <summary>
/// A license records every identifier the host presented and needs all but one of them (or as many as the portal set)
/// to still be there: a replaced network card keeps it, a host key copied to other hardware does not.
/// </summary>
public sealed class LicenseSurvivesAReplacedNetworkCard : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private HostIdentityReader Reader => new(_box.SysRoot);

    private static readonly string[] CheckArgs = ["check", "--desktops", "1", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1"];

    /// <summary>Issues and installs a license recording the host info's identifiers, needing <paramref name="required"/> of them (0: all).</summary>
    private async Task<HostInfo> InstallAsync(int required)
    {
        var info = await _box.HostInfoAsync();
        var content = AgentSandbox.Content(info) with { HostIdentifiers = info.Identifiers, RequiredHostMatches = required };
        await _box.InstallAsync(_box.WriteLicense("l.lic", content, info.HostPublicKey));
        return info;
    }

    [Fact]
    public void Reader_finds_every_physical_interfaces_mac_the_dmi_serial_and_uuid_and_the_machine_id()
    {
        _box.WriteSys("sys/class/dmi/id/product_uuid", "4C4C4544-0042-3510-8052-B4C04F4E3232\n");
        _box.WriteSys("etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");

        var identity = Reader.ReadIdentity();

        Assert.Equal(
            ["mac 52:54:00:00:00:09", "mac 52:54:00:ab:cd:ef", "dmi-serial VMware-42 1a 2b 3c", "dmi-uuid 4c4c4544-0042-3510-8052-b4c04f4e3232", "machine-id 3d1219c7c4c5404aaa1f6d2a48adfda4"],
            identity.Identifiers.Select(i => i.ToString()));
        Assert.Equal("52:54:00:ab:cd:ef", identity.Mac); // the primary MAC is still the default route's
    }

    [Fact]
    public void A_virtual_machine_without_dmi_presents_its_macs_and_machine_id()
    {
        using var vm = new AgentSandbox(withDmi: false);
        vm.WriteSys("etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
        vm.WriteSys("sys/class/dmi/id/product_uuid", "00000000-0000-0000-0000-000000000000\n"); // a placeholder, left out

        var identity = new HostIdentityReader(vm.SysRoot).ReadIdentity();

        Assert.Equal(
            ["mac 52:54:00:00:00:09", "mac 52:54:00:ab:cd:ef", "machine-id 3d1219c7c4c5404aaa1f6d2a48adfda4"],
            identity.Identifiers.Select(i => i.ToString()));
    }

    [Fact]
    public async Task Hostinfo_records_the_identifiers_and_says_which_it_found()
    {
        var file = Path.Combine(_box.Root, "hostinfo.txt");

        var (exit, output, err) = await _box.RunAsync("hostinfo", "--instance", "demo-01", "--out", file);

        Assert.True(exit == ExitCodes.Ok, err);
        var text = File.ReadAllText(file);
        Assert.Contains("Host-Id: mac 52:54:00:00:00:09\nHost-Id: mac 52:54:00:ab:cd:ef\nHost-Id: dmi-serial VMware-42 1a 2b 3c\n", text, StringComparison.Ordinal);
        Assert.Contains("Host identifiers (3): mac 52:54:00:00:00:09, mac 52:54:00:ab:cd:ef, dmi-serial VMware-42 1a 2b 3c", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_the_network_card_of_the_default_route_keeps_the_license()
    {
        await InstallAsync(required: 2); // 3 identifiers: all but one

        _box.WriteSys("sys/class/net/eth0/address", "52:54:00:77:77:77\n");
        var (exit, output, err) = await _box.RunAsync(CheckArgs);

        Assert.True(exit == ExitCodes.Ok, err);
        Assert.Contains("Within license", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_of_three_identifiers_changed_stops_the_license_with_its_own_exit_code()
    {
        await InstallAsync(required: 2);

        _box.WriteSys("sys/class/net/eth0/address", "52:54:00:77:77:77\n");
        _box.WriteSys("sys/class/dmi/id/product_serial", "OTHER-SERIAL\n");
        var (exit, _, err) = await _box.RunAsync(CheckArgs);

        Assert.Equal(ExitCodes.HardwareChanged, exit);
        Assert.Contains("HostMismatch", err, StringComparison.Ordinal);
        Assert.Contains("missing: mac 52:54:00:ab:cd:ef, dmi-serial VMware-42 1a 2b 3c", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_host_key_on_other_hardware_fails_as_a_hardware_change_not_as_another_key()
    {
        var info = await InstallAsync(required: 2);
        var copied = Path.Combine(_box.Root, "copied-license.lic");
        File.Copy(Path.Combine(_box.Root, "l.lic"), copied);

        // The state directory (host key and license) moved to a machine with other network cards and another serial.
        foreach (var iface in new[] { "eth0", "enp9s0" })
        {
            _box.WriteSys($"sys/class/net/{iface}/address", iface == "eth0" ? "52:54:00:10:10:10\n" : "52:54:00:20:20:20\n");
        }

        _box.WriteSys("sys/class/dmi/id/product_serial", "SECOND-MACHINE\n");
        var (exit, _, err) = await _box.RunAsync("verify", "--license", copied);

        Assert.Equal(ExitCodes.HardwareChanged, exit);
        Assert.Contains("HostMismatch", err, StringComparison.Ordinal);
        Assert.DoesNotContain("NotForThisHost", err, StringComparison.Ordinal);
        Assert.Equal(3, info.Identifiers.Count);
    }

    [Fact]
    public async Task A_strict_license_refuses_even_one_replaced_network_card()
    {
        await InstallAsync(required: 0); // all of them

        _box.WriteSys("sys/class/net/enp9s0/address", "52:54:00:77:77:77\n");
        var (exit, _, err) = await _box.RunAsync(CheckArgs);

        Assert.Equal(ExitCodes.HardwareChanged, exit);
        Assert.Contains("needs 3 of its 3 host identifiers", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_added_network_card_changes_nothing()
    {
        await InstallAsync(required: 0);

        _box.AddInterface("enp10s0", "52:54:00:aa:aa:aa", physical: true);
        var (exit, _, err) = await _box.RunAsync(CheckArgs);

        Assert.True(exit == ExitCodes.Ok, err);
    }
}
