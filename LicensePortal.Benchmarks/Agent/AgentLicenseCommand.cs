using System.Globalization;
using LicensePortal.Licensing;

namespace LicensePortal.Benchmarks.Agent;

/// <summary>
/// Issues a license for a host info file with a given vendor root, without a portal: what agent-cold-start.sh installs on
/// the host it measures (the agent itself has no way to make one).
/// <code>dotnet run -c Release --project LicensePortal.Benchmarks -- agent-license --root-key KEY --hostinfo FILE --out FILE</code>
/// The signing key is new each time and certified by the root for two years; every quota is 1000, expiry in two years.
/// </summary>
public static class AgentLicenseCommand
{
    public const string Name = "agent-license";

    public static int Run(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        if (args.Length % 2 != 0 || !options.TryGetValue("--root-key", out var rootKey) || !options.TryGetValue("--hostinfo", out var hostInfo) || !options.TryGetValue("--out", out var output))
        {
            Console.Error.WriteLine($"usage: {Name} --root-key VENDOR-ROOT.KEY --hostinfo HOSTINFO.TXT --out LICENSE");
            return 1;
        }

        var root = VendorRootKey.ImportPrivate(File.ReadAllText(rootKey));
        var info = HostInfoFile.Parse(File.ReadAllBytes(hostInfo));
        var now = DateTimeOffset.UtcNow;
        var signing = VendorKey.Generate();
        var signer = new CertifiedSigningKey(signing, root.Certify(signing.PublicKey, now.AddDays(-1), now.AddYears(2)));
        var content = new LicenseContent
        {
            MaxDesktops = 1000, MaxImages = 1000, MaxUsers = 1000, MaxVcpus = 1000, MaxVmemGib = 1000, MaxVdiskGib = 1000,
            ExpiresOn = DateOnly.FromDateTime(now.UtcDateTime).AddYears(2),
            Mac = info.Mac, SerialNumber = info.SerialNumber, InstanceName = info.InstanceName,
            // A minute back, so the agent's "issued in the future" rule never depends on the two clocks agreeing to the second.
            IssuedAt = now.AddMinutes(-1), Revision = 1,
        };
        File.WriteAllText(output, LicenseFile.Issue(content, signer, info.HostPublicKey));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {output}: instance {info.InstanceName}, revision 1, expires {content.ExpiresOn:yyyy-MM-dd}."));
        return 0;
    }
}
