using LicensePortal.Agent;
using LicensePortal.Licensing;
using LicensePortal.Tests.Agent;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// A customer host for round trips: the agent run in-process on its own state folder and fake sysfs (MAC and serial as
/// in <see cref="PortalLicenseKit"/>), with the clock the test chooses (the portal's fake clock, or the real one over HTTP)
/// and the portal's vendor root as the trust anchor (what a Release build has compiled in; here through the test seam).
/// </summary>
public sealed class AgentHost(TimeProvider time, VendorRootPublicKey root) : IDisposable
{
    private readonly AgentSandbox _box = new();

    public string StateDir => _box.StateDir;

    public string InstalledLicense => Path.Combine(StateDir, "license.lic");

    public string File(string name) => Path.Combine(_box.Root, name);

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AgentApp.RunAsync([.. args, "--state-dir", StateDir], output, error, new AgentEnvironment { SystemRoot = _box.SysRoot, Time = time, VendorRoot = root });
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs `hostinfo` for <paramref name="instance"/> and returns the file's bytes.</summary>
    public async Task<byte[]> HostInfoAsync(string instance)
    {
        var path = File("hostinfo.txt");
        var (exit, _, err) = await RunAsync("hostinfo", "--instance", instance, "--out", path);
        Assert.True(exit == ExitCodes.Ok, err);
        return System.IO.File.ReadAllBytes(path);
    }

    /// <summary>Usage arguments for `check` (all zero unless given).</summary>
    public static string[] Check(long desktops = 0, long images = 0, long users = 0, long vcpus = 0, long vmem = 0, long vdisk = 0) =>
    [
        "check", "--desktops", $"{desktops}", "--images", $"{images}", "--users", $"{users}",
        "--vcpus", $"{vcpus}", "--vmem", $"{vmem}", "--vdisk", $"{vdisk}",
    ];

    /// <summary>Writes a file of the host's fake /sys, /proc or /etc (a replaced network card, another serial).</summary>
    public void WriteSys(string relative, string content) => _box.WriteSys(relative, content);

    public void Dispose() => _box.Dispose();
}
