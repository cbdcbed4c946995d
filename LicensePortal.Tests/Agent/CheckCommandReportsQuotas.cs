using LicensePortal.Agent;
using LicensePortal.Agent.Commands;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

public sealed class CheckCommandReportsQuotas : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private async Task InstallAsync(DateOnly? expires = null)
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info, expires: expires), info.HostPublicKey);
        await _box.InstallAsync(license);
    }

    private static string[] Usage(long desktops = 100, long images = 20, long users = 150, long vcpus = 400, long vmem = 1024, long vdisk = 10240) =>
    [
        "check", "--desktops", $"{desktops}", "--images", $"{images}", "--users", $"{users}",
        "--vcpus", $"{vcpus}", "--vmem", $"{vmem}", "--vdisk", $"{vdisk}",
    ];

    [Fact]
    public async Task Usage_within_the_license_exits_0()
    {
        await InstallAsync();

        var (exit, output, _) = await _box.RunAsync(Usage());

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Within license", output, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> EachQuota => new()
    {
        { "--desktops", 65, "concurrent desktops: 101 used, 100 allowed" },
        { "--images", 66, "images: 21 used, 20 allowed" },
        { "--users", 68, "concurrent users: 151 used, 150 allowed" },
        { "--vcpus", 72, "virtual CPUs: 401 used, 400 allowed" },
        { "--vmem", 80, "virtual memory (GiB): 1025 used, 1024 allowed" },
        { "--vdisk", 96, "virtual disk (GiB): 10241 used, 10240 allowed" },
    };

    [Theory]
    [MemberData(nameof(EachQuota))]
    public async Task Each_exceeded_quota_has_its_own_exit_code_and_message(string option, int expectedExit, string message)
    {
        await InstallAsync();
        var args = Usage();
        var index = Array.IndexOf(args, option);
        args[index + 1] = (long.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exit, _, err) = await _box.RunAsync(args);

        Assert.Equal(expectedExit, exit);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_exceeded_quotas_add_their_bits()
    {
        await InstallAsync();

        var (exit, _, _) = await _box.RunAsync(Usage(desktops: 101, vdisk: 99999));

        Assert.Equal(ExitCodes.QuotaBase + CheckCommand.QuotaBit(QuotaKind.Desktops) + CheckCommand.QuotaBit(QuotaKind.VdiskGib), exit);
    }

    [Fact]
    public async Task Expired_installed_license_exits_10_naming_the_date()
    {
        await InstallAsync(expires: new DateOnly(2026, 12, 31));
        _box.Time.SetUtcNow(new DateTimeOffset(2027, 1, 1, 0, 0, 1, TimeSpan.Zero));

        var (exit, _, err) = await _box.RunAsync(Usage());

        Assert.Equal(ExitCodes.Expired, exit);
        Assert.Contains("expired on 2026-12-31", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_without_an_installed_license_exits_4()
    {
        var (exit, _, err) = await _box.RunAsync(Usage());

        Assert.Equal(ExitCodes.NotSetUp, exit);
        Assert.Contains("No license is installed", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Installed_license_recording_only_mac_and_serial_on_a_host_whose_mac_changed_exits_8()
    {
        await InstallAsync();
        File.WriteAllText(Path.Combine(_box.SysRoot, "sys/class/net/eth0/address"), "52:54:00:ff:ff:ff\n");

        var (exit, _, err) = await _box.RunAsync(Usage());

        Assert.Equal(ExitCodes.HardwareChanged, exit);
        Assert.Contains("HostMismatch", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negative_usage_is_a_usage_error()
    {
        var (exit, _, _) = await _box.RunAsync("check", "--desktops", "-1");

        Assert.Equal(ExitCodes.Usage, exit);
    }
}
