using LicensePortal.Agent;
using LicensePortal.Licensing;
using Microsoft.Extensions.Time.Testing;

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

        VendorKeyFile = Path.Combine(Root, "vendor.pub");
        File.WriteAllText(VendorKeyFile, Vendor.PublicKey.Export());
    }

    public string Root { get; }

    public string SysRoot { get; }

    public string StateDir { get; }

    public string VendorKeyFile { get; }

    public VendorKey Vendor { get; } = VendorKey.Generate();

    public FakeTimeProvider Time { get; } = new(Start);

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

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = new AgentEnvironment { SystemRoot = SysRoot, Time = Time };
        var exit = await AgentApp.RunAsync([.. args, "--state-dir", StateDir], output, error, env);
        return (exit, output.ToString(), error.ToString());
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

    public string WriteLicense(string name, LicenseContent content, HostPublicKey host)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, LicenseFile.Issue(content, Vendor, host));
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
