using LicensePortal.Agent;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

/// <summary>A temp folder with a fake /proc + /sys tree, a state dir, a vendor key and a fake clock; runs the agent in-process.</summary>
public sealed class AgentSandbox : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public AgentSandbox(bool withDmi = true)
    {
        Root = Directory.CreateTempSubdirectory("lp-agent-").FullName;
        SysRoot = Path.Combine(Root, "sysroot");
        StateDir = Path.Combine(Root, "state");
        AddInterface("lo", "00:00:00:00:00:00", physical: false);
        AddInterface("docker0", "02:42:ac:11:00:01", physical: false);
        AddInterface("eth0", "52:54:00:AB:CD:EF", physical: true);
        AddInterface("enp9s0", "52:54:00:00:00:09", physical: true);
        SetDefaultRoute("eth0");
        if (withDmi)
        {
            WriteSys("sys/class/dmi/id/product_serial", "VMware-42 1a 2b 3c\n");
        }

        var key = VendorKey.Generate();
        Vendor = new CertifiedSigningKey(key, VendorRoot.Certify(key.PublicKey, Start.AddDays(-30), Start.AddDays(3650)));
    }

    public string Root { get; }

    public string SysRoot { get; }

    public string StateDir { get; }

    /// <summary>The vendor root this test agent trusts (through the test seam; a Release build trusts only its compiled-in root).</summary>
    public VendorRootKey VendorRoot { get; } = VendorRootKey.Generate();

    /// <summary>A signing key certified by <see cref="VendorRoot"/>.</summary>
    public CertifiedSigningKey Vendor { get; }

    /// <summary>The host's clock, which a test may set back as a host owner would.</summary>
    public HostClock Time { get; } = new(Start);

    public const string HostMac = "52:54:00:ab:cd:ef";

    public const string HostSerial = "VMware-42 1a 2b 3c";

    public void WriteSys(string relative, string content)
    {
        var path = Path.Combine(SysRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void AddInterface(string name, string mac, bool physical)
    {
        WriteSys($"sys/class/net/{name}/address", mac + "\n");
        if (physical)
        {
            Directory.CreateDirectory(Path.Combine(SysRoot, "sys/class/net", name, "device"));
        }
    }

    public void SetDefaultRoute(string iface) => WriteSys(
        "proc/net/route",
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
        "lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n" +
        $"{iface}\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
        $"{iface}\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n");

    public Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) =>
        RunAsync(new AgentEnvironment { SystemRoot = SysRoot, Time = Time, VendorRoot = VendorRoot.PublicKey }, args);

    /// <summary>Runs the agent as one built without a vendor root (no -p:VendorRootPublicKeyFile).</summary>
    public Task<(int Exit, string Out, string Err)> RunWithoutRootAsync(params string[] args) =>
        RunAsync(new AgentEnvironment { SystemRoot = SysRoot, Time = Time }, args);

    /// <summary>This sandbox's fake machine with the given root, HTTP handler and retry delay (the test seam).</summary>
    public AgentEnvironment Environment(VendorRootPublicKey? root, HttpMessageHandler? http = null, Func<TimeSpan, CancellationToken, Task>? delay = null) =>
        new() { SystemRoot = SysRoot, Time = TimeProvider.System, VendorRoot = root, HttpHandler = http, Delay = delay ?? ((_, _) => Task.CompletedTask) };

    public async Task<(int Exit, string Out, string Err)> RunAsync(AgentEnvironment env, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AgentApp.RunAsync([.. args, "--state-dir", StateDir], output, error, env);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Installs a license through the agent and asserts it was accepted.</summary>
    public async Task InstallAsync(string licensePath)
    {
        var (exit, _, err) = await RunAsync("install", "--license", licensePath);
        Assert.True(exit == ExitCodes.Ok, err);
    }

    /// <summary>Runs hostinfo and returns the parsed host info (what the portal would see).</summary>
    public async Task<HostInfo> HostInfoAsync()
    {
        var file = Path.Combine(Root, "hostinfo.txt");
        var (exit, _, err) = await RunAsync("hostinfo", "--instance", "demo-01", "--out", file);
        Assert.True(exit == 0, err);
        return HostInfoFile.Parse(File.ReadAllBytes(file));
    }

    public static LicenseContent Content(HostInfo info, int revision = 1, DateOnly? expires = null) => new()
    {
        MaxDesktops = 100,
        MaxImages = 20,
        MaxUsers = 150,
        MaxVcpus = 400,
        MaxVmemGib = 1024,
        MaxVdiskGib = 10240,
        ExpiresOn = expires ?? new DateOnly(2027, 12, 31),
        Mac = info.Mac,
        SerialNumber = info.SerialNumber,
        IssuedAt = Start,
        Revision = revision,
        InstanceName = info.InstanceName,
    };

    public string WriteLicense(string name, LicenseContent content, HostPublicKey host, CertifiedSigningKey? signer = null)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, LicenseFile.Issue(content, signer ?? Vendor, host));
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>A clock that can be set to any time, also backwards (FakeTimeProvider refuses that).</summary>
public sealed class HostClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void SetUtcNow(DateTimeOffset value) => _now = value;
}
