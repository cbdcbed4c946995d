using System.Text.Json;
using LicensePortal.Agent;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

public sealed class VerifyAndInstallCommands : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public async Task Verify_prints_the_nine_values_of_a_valid_license()
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info), info.HostPublicKey);

        var (exit, output, err) = await _box.RunAsync("verify", "--license", license);

        Assert.True(exit == ExitCodes.Ok, err);
        foreach (var line in new[] { "max desktops: 100", "max images: 20", "max users: 150", "max vcpus: 400", "max vmem (GiB): 1024", "max vdisk (GiB): 10240", "expires on: 2027-12-31", "mac: 52:54:00:ab:cd:ef", "serial: VMware-42 1a 2b 3c" })
        {
            Assert.Contains(line, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verify_json_has_named_camel_case_fields()
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info), info.HostPublicKey);

        var (exit, output, _) = await _box.RunAsync("verify", "--license", license, "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("valid").GetBoolean());
        Assert.Equal(100, root.GetProperty("maxDesktops").GetInt32());
        Assert.Equal(10240, root.GetProperty("maxVdiskGib").GetInt32());
        Assert.Equal("2027-12-31", root.GetProperty("expiresOn").GetString());
        Assert.Equal("52:54:00:ab:cd:ef", root.GetProperty("mac").GetString());
        Assert.Equal("VMware-42 1a 2b 3c", root.GetProperty("serialNumber").GetString());
    }

    [Fact]
    public async Task Verify_rejects_a_license_for_another_mac_with_the_reason()
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info) with { Mac = "52:54:00:00:00:99" }, info.HostPublicKey);

        var (exit, output, err) = await _box.RunAsync("verify", "--license", license);

        Assert.Equal(ExitCodes.HardwareChanged, exit);
        Assert.Contains("HostMismatch", err, StringComparison.Ordinal);
        Assert.DoesNotContain("max desktops", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_json_reports_the_reason_code_of_a_rejected_license()
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info, expires: new DateOnly(2026, 1, 1)), info.HostPublicKey);

        var (exit, output, _) = await _box.RunAsync("verify", "--license", license, "--json");

        Assert.Equal(ExitCodes.LicenseRejected, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal("Expired", doc.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Install_puts_the_license_in_the_state_dir_leaving_no_temp_files()
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info), info.HostPublicKey);

        var (exit, output, err) = await _box.RunAsync("install", "--license", license);

        Assert.True(exit == ExitCodes.Ok, err);
        Assert.Contains("revision 1", output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(license), File.ReadAllText(Path.Combine(_box.StateDir, "license.lic")));
        Assert.Empty(Directory.GetFiles(_box.StateDir, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                File.GetUnixFileMode(Path.Combine(_box.StateDir, "license.lic")));
        }
    }

    [Fact]
    public async Task Install_of_a_newer_revision_replaces_the_installed_license()
    {
        var info = await _box.HostInfoAsync();
        var v1 = _box.WriteLicense("v1.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey);
        var v2 = _box.WriteLicense("v2.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey);
        await _box.InstallAsync(v1);

        await _box.InstallAsync(v2);

        Assert.Equal(File.ReadAllText(v2), File.ReadAllText(Path.Combine(_box.StateDir, "license.lic")));
    }

    public static TheoryData<string> BadReplacements => new() { "older", "truncated", "garbage", "other-host", "expired", "huge", "binary" };

    [Theory]
    [MemberData(nameof(BadReplacements))]
    public async Task Install_leaves_the_old_license_in_place_when_the_new_file_is_bad(string kind)
    {
        var info = await _box.HostInfoAsync();
        var good = _box.WriteLicense("good.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey);
        await _box.InstallAsync(good);
        var installedBefore = File.ReadAllBytes(Path.Combine(_box.StateDir, "license.lic"));
        var highWaterBefore = File.ReadAllBytes(Path.Combine(_box.StateDir, "high-water"));
        var bad = Path.Combine(_box.Root, "bad.lic");
        switch (kind)
        {
            case "older":
                _box.WriteLicense("bad.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey);
                break;
            case "truncated":
                File.WriteAllText(bad, File.ReadAllText(good)[..200]);
                break;
            case "garbage":
                File.WriteAllText(bad, "not a license\n");
                break;
            case "other-host":
                _box.WriteLicense("bad.lic", AgentSandbox.Content(info, revision: 3), HostKey.Generate().PublicKey);
                break;
            case "expired":
                _box.WriteLicense("bad.lic", AgentSandbox.Content(info, revision: 3, expires: new DateOnly(2026, 11, 27)), info.HostPublicKey);
                break;
            case "huge":
                File.WriteAllText(bad, new string('A', 70_000));
                break;
            default:
                File.WriteAllBytes(bad, [0xFF, 0xFE, 0x00, 0x01, 0x89]);
                break;
        }

        var (exit, _, err) = await _box.RunAsync("install", "--license", bad);

        Assert.Equal(kind == "older" ? ExitCodes.RolledBack : ExitCodes.LicenseRejected, exit);
        Assert.NotEmpty(err);
        Assert.Equal(installedBefore, File.ReadAllBytes(Path.Combine(_box.StateDir, "license.lic")));
        Assert.Equal(highWaterBefore, File.ReadAllBytes(Path.Combine(_box.StateDir, "high-water")));
        Assert.Empty(Directory.GetFiles(_box.StateDir, "*.tmp"));
    }

    [Fact]
    public async Task Install_of_an_older_revision_names_the_reason()
    {
        var info = await _box.HostInfoAsync();
        var v2 = _box.WriteLicense("v2.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey);
        var v1 = _box.WriteLicense("v1.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey);
        await _box.InstallAsync(v2);

        var (exit, _, err) = await _box.RunAsync("install", "--license", v1);

        Assert.Equal(ExitCodes.RolledBack, exit);
        Assert.Contains("OlderThanInstalled", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_before_any_hostinfo_says_to_run_hostinfo_first()
    {
        var (exit, _, err) = await _box.RunAsync("verify", "--license", Path.Combine(_box.Root, "missing.lic"));

        Assert.Equal(ExitCodes.NotSetUp, exit);
        Assert.Contains("hostinfo", err, StringComparison.Ordinal);
    }
}
