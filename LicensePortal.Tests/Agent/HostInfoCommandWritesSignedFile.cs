using LicensePortal.Agent;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

public sealed class HostInfoCommandWritesSignedFile : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public async Task Hostinfo_writes_a_file_the_portal_can_parse_with_this_hosts_mac_and_serial()
    {
        var info = await _box.HostInfoAsync();

        Assert.Equal("demo-01", info.InstanceName);
        Assert.Equal(AgentSandbox.HostMac, info.Mac);
        Assert.Equal(AgentSandbox.HostSerial, info.SerialNumber);
        Assert.Equal(AgentSandbox.Start, info.CreatedAt);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Host_key_is_created_once_with_mode_0600_in_a_0700_state_dir()
    {
        var first = await _box.HostInfoAsync();
        var second = await _box.HostInfoAsync();

        Assert.Equal(first.HostKeyFingerprint, second.HostKeyFingerprint);
        var keyPath = Path.Combine(_box.StateDir, "host.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_box.StateDir));
        Assert.Equal(first.HostKeyFingerprint, HostKey.ImportPrivate(File.ReadAllText(keyPath)).Fingerprint);
    }

    [Fact]
    public async Task Mac_and_serial_options_do_not_exist_so_the_host_identity_cannot_be_borrowed()
    {
        var file = Path.Combine(_box.Root, "h.txt");

        var (exit, _, err) = await _box.RunAsync("hostinfo", "--instance", "x", "--out", file, "--mac", "AA-BB-CC-DD-EE-01", "--serial", "SN 9");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--mac", err, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Machine_without_dmi_uses_its_machine_id_and_names_it_as_the_source()
    {
        using var box = new AgentSandbox(withDmi: false);
        box.WriteSys("etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
        var file = Path.Combine(box.Root, "h.txt");

        var (exit, _, err) = await box.RunAsync("hostinfo", "--instance", "x", "--out", file);

        Assert.True(exit == ExitCodes.Ok, err);
        Assert.Equal("machine-id:3d1219c7c4c5404aaa1f6d2a48adfda4", HostInfoFile.Parse(File.ReadAllBytes(file)).SerialNumber);
    }

    [Fact]
    public async Task Machine_without_dmi_or_machine_id_fails_with_exit_2_and_writes_nothing()
    {
        using var box = new AgentSandbox(withDmi: false);
        var file = Path.Combine(box.Root, "h.txt");

        var (exit, _, err) = await box.RunAsync("hostinfo", "--instance", "x", "--out", file);

        Assert.Equal(ExitCodes.Environment, exit);
        Assert.Contains("machine id", err, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Missing_required_option_is_a_usage_error()
    {
        var (exit, _, err) = await _box.RunAsync("hostinfo", "--out", Path.Combine(_box.Root, "h.txt"));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--instance", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locally_administered_mac_gives_a_warning()
    {
        File.WriteAllText(Path.Combine(_box.SysRoot, "sys/class/net/eth0/address"), "02:fc:00:00:00:01\n");

        var (exit, _, err) = await _box.RunAsync("hostinfo", "--instance", "x", "--out", Path.Combine(_box.Root, "h.txt"));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("locally administered", err, StringComparison.Ordinal);
    }
}
