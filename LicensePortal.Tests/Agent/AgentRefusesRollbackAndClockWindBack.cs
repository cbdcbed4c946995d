using LicensePortal.Agent;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

/// <summary>The high-water mark beside the installed license: no older file copied back, no clock set back.</summary>
public sealed class AgentRefusesRollbackAndClockWindBack : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static readonly string[] Check = ["check", "--desktops", "1", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1"];

    private string HighWaterPath => Path.Combine(_box.StateDir, "high-water");

    private string InstalledPath => Path.Combine(_box.StateDir, "license.lic");

    [Fact]
    public async Task Revision_1_copied_over_an_installed_revision_2_fails_check_with_its_own_exit_code()
    {
        var info = await _box.HostInfoAsync();
        var v1 = _box.WriteLicense("v1.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey);
        var v2 = _box.WriteLicense("v2.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey);
        await _box.InstallAsync(v1);
        await _box.InstallAsync(v2);

        File.Copy(v1, InstalledPath, overwrite: true);
        var (exit, _, err) = await _box.RunAsync(Check);
        var verify = await _box.RunAsync("verify", "--license", v1);

        Assert.Equal(ExitCodes.RolledBack, exit);
        Assert.Contains("OlderThanInstalled", err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.RolledBack, verify.Exit);
    }

    [Fact]
    public async Task Install_records_the_highest_revision_per_instance_and_the_issue_time()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("v3.lic", AgentSandbox.Content(info, revision: 3), info.HostPublicKey));

        Assert.Equal("trusted-time: 2026-11-28T12:00:00Z\nrevision: 3 demo-01\n", File.ReadAllText(HighWaterPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(HighWaterPath));
        }
    }

    [Fact]
    public async Task Check_with_the_clock_a_year_ahead_then_back_at_today_fails_as_a_wound_back_clock()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("l.lic", AgentSandbox.Content(info, expires: new DateOnly(2027, 6, 30)), info.HostPublicKey));
        _box.Time.Advance(TimeSpan.FromDays(365));
        var ahead = await _box.RunAsync(Check);
        var markAhead = File.ReadAllText(HighWaterPath);

        _box.Time.SetUtcNow(AgentSandbox.Start);
        var (exit, _, err) = await _box.RunAsync(Check);

        Assert.Equal(ExitCodes.Expired, ahead.Exit);
        Assert.Contains("trusted-time: 2027-11-28T12:00:00Z", markAhead, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.ClockWoundBack, exit);
        Assert.Contains("ClockWoundBack", err, StringComparison.Ordinal);
        Assert.Equal(markAhead, File.ReadAllText(HighWaterPath));
    }

    [Fact]
    public async Task A_clock_less_than_a_day_behind_the_trusted_time_is_tolerated()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("l.lic", AgentSandbox.Content(info), info.HostPublicKey));
        _box.Time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(ExitCodes.Ok, (await _box.RunAsync(Check)).Exit);

        _box.Time.SetUtcNow(AgentSandbox.Start);

        Assert.Equal(ExitCodes.Ok, (await _box.RunAsync(Check)).Exit);
    }

    [Fact]
    public async Task A_license_issued_more_than_five_minutes_ahead_of_the_clock_is_refused_with_its_own_exit_code()
    {
        var info = await _box.HostInfoAsync();
        var future = _box.WriteLicense("f.lic", AgentSandbox.Content(info) with { IssuedAt = AgentSandbox.Start.AddMinutes(6) }, info.HostPublicKey);

        var (exit, _, err) = await _box.RunAsync("install", "--license", future);

        Assert.Equal(ExitCodes.IssuedInFuture, exit);
        Assert.Contains("IssuedInFuture", err, StringComparison.Ordinal);
        Assert.False(File.Exists(InstalledPath));
        Assert.False(File.Exists(HighWaterPath));
    }

    [Fact]
    public async Task Installing_a_license_issued_later_raises_the_trusted_time_so_the_clock_cannot_go_back_before_it()
    {
        var info = await _box.HostInfoAsync();
        _box.Time.Advance(TimeSpan.FromDays(30));
        await _box.InstallAsync(_box.WriteLicense("l.lic", AgentSandbox.Content(info) with { IssuedAt = AgentSandbox.Start.AddDays(30) }, info.HostPublicKey));

        _box.Time.SetUtcNow(AgentSandbox.Start.AddDays(3));
        var (exit, _, _) = await _box.RunAsync(Check);

        Assert.Equal(ExitCodes.ClockWoundBack, exit);
    }

    [Fact]
    public async Task A_damaged_high_water_mark_is_refused_rather_than_taken_as_none()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("l.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey));
        File.WriteAllText(HighWaterPath, "trusted-time: yesterday\n");

        var (exit, _, err) = await _box.RunAsync(Check);

        Assert.Equal(ExitCodes.Environment, exit);
        Assert.Contains("damaged", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revisions_are_remembered_per_instance()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("a5.lic", AgentSandbox.Content(info, revision: 5), info.HostPublicKey));
        var other = AgentSandbox.Content(info, revision: 1) with { InstanceName = "other-instance" };
        await _box.InstallAsync(_box.WriteLicense("b1.lic", other, info.HostPublicKey));

        var back = await _box.RunAsync("install", "--license", _box.WriteLicense("a4.lic", AgentSandbox.Content(info, revision: 4), info.HostPublicKey));

        Assert.Equal(ExitCodes.RolledBack, back.Exit);
        Assert.Equal("trusted-time: 2026-11-28T12:00:00Z\nrevision: 5 demo-01\nrevision: 1 other-instance\n", File.ReadAllText(HighWaterPath));
    }

    [Fact]
    public async Task A_rejection_is_told_in_chinese_to_a_chinese_user_with_the_same_reason_code()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("v2.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey));
        var v1 = _box.WriteLicense("v1.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey);
        var before = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("zh-CN");
        (int Exit, string Out, string Err) result;
        try
        {
            result = await _box.RunAsync("install", "--license", v1);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = before;
        }

        Assert.Equal(ExitCodes.RolledBack, result.Exit);
        Assert.Contains("OlderThanInstalled", result.Err, StringComparison.Ordinal);
        Assert.Contains("比本主机已安装过的版本旧", result.Err, StringComparison.Ordinal);
        Assert.Contains("已安装的 License 未被更改", result.Err, StringComparison.Ordinal);
    }
}
