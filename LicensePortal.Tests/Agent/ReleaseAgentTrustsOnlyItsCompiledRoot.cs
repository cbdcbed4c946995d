using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Loader;
using LicensePortal.Agent;
using LicensePortal.Agent.Commands;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

/// <summary>
/// The attacker is root on the licensed host and runs the customer's Release agent. They have a second portal of their
/// own (its own root) that issues a license for the same host key with larger quotas, and offer it, and its root, in every
/// place they control. The agent built with the vendor's root accepts only the vendor's licenses.
/// </summary>
[Collection(SharedReleaseAgent.Name)]
public sealed class ReleaseAgentTrustsOnlyItsCompiledRoot : IDisposable
{
    private readonly ReleaseAgentBuild _agent;
    private readonly string _work = Directory.CreateTempSubdirectory("lp-release-host-").FullName;

    public ReleaseAgentTrustsOnlyItsCompiledRoot(ReleaseAgentBuild agent) => _agent = agent;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string StateDir => Path.Combine(_work, "state");

    private static readonly string[] WithinGenuine = ["--desktops", "10", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1"];

    private static readonly string[] BeyondGenuine = ["--desktops", "5000", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1"];

    private async Task<HostInfo> HostInfoAsync()
    {
        var file = Path.Combine(_work, "hostinfo.txt");
        var (exit, output) = await _agent.AgentAsync(["hostinfo", "--instance", "demo-01", "--out", file, "--state-dir", StateDir]);
        Assert.True(exit == 0, output);
        return HostInfoFile.Parse(File.ReadAllBytes(file));
    }

    private static CertifiedSigningKey Signer(VendorRootKey root)
    {
        var key = VendorKey.Generate();
        return new CertifiedSigningKey(key, root.Certify(key.PublicKey, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(730)));
    }

    private string License(string name, HostInfo info, CertifiedSigningKey signer, int revision, int desktops, DateOnly? expires = null)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllText(path, LicenseFile.Issue(new LicenseContent
        {
            MaxDesktops = desktops, MaxImages = 10, MaxUsers = 10, MaxVcpus = 10, MaxVmemGib = 10, MaxVdiskGib = 10,
            ExpiresOn = expires ?? DateOnly.FromDateTime(DateTime.UtcNow).AddYears(2),
            Mac = info.Mac, SerialNumber = info.SerialNumber, IssuedAt = DateTimeOffset.UtcNow.AddMinutes(-1), Revision = revision, InstanceName = info.InstanceName,
        }, signer, info.HostPublicKey));
        return path;
    }

    private Task<(int Exit, string Output)> Agent(string command, string[] args, IDictionary<string, string>? environment = null, string? fakeTime = null) =>
        _agent.AgentAsync([command, .. args, "--state-dir", StateDir], environment, fakeTime);

    [Fact]
    public async Task A_second_portals_license_is_refused_wherever_its_root_is_offered_and_check_keeps_enforcing_the_genuine_one()
    {
        var info = await HostInfoAsync();
        var genuine = License("genuine.lic", info, Signer(_agent.Root), revision: 1, desktops: 100);
        var foreignRoot = VendorRootKey.Generate();
        var forged = License("forged.lic", info, Signer(foreignRoot), revision: 999, desktops: 100_000, expires: new DateOnly(2099, 12, 31));
        var foreignRootFile = Path.Combine(_work, "foreign-root.pub");
        File.WriteAllText(foreignRootFile, foreignRoot.PublicKey.Export());
        Assert.Equal(0, (await Agent("install", ["--license", genuine])).Exit);

        // The option the first agent had, and the overrides of the host identity, no longer exist.
        Assert.Equal(1, (await Agent("install", ["--license", forged, "--vendor-key", foreignRootFile])).Exit);
        Assert.Equal(1, (await Agent("verify", ["--license", forged, "--mac", info.Mac, "--serial", info.SerialNumber])).Exit);
        // Files in the state directory, under every name a key was ever read from, and next to the executable.
        File.WriteAllText(Path.Combine(StateDir, "vendor-root.pub"), foreignRoot.PublicKey.Export());
        Directory.CreateDirectory(Path.Combine(StateDir, "vendor-keys"));
        File.WriteAllText(Path.Combine(StateDir, "vendor-keys", foreignRoot.KeyId + ".pub"), foreignRoot.PublicKey.Export());
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_agent.Executable)!, "vendor-root.pub"), foreignRoot.PublicKey.Export());
        var fromFiles = await Agent("install", ["--license", forged]);
        // The environment, including the build property's own name.
        var environment = new Dictionary<string, string>
        {
            ["VendorRootPublicKeyFile"] = foreignRootFile,
            ["LICENSEPORTAL_VENDOR_ROOT"] = foreignRootFile,
            ["LICENSEPORTAL_VENDOR_KEY"] = foreignRootFile,
        };
        var fromEnvironment = await Agent("install", ["--license", forged], environment);
        // And written straight over the installed license.
        var installedPath = Path.Combine(StateDir, "license.lic");
        File.Copy(forged, installedPath, overwrite: true);
        var checkForged = await Agent("check", BeyondGenuine, environment);
        File.Copy(genuine, installedPath, overwrite: true);
        var within = await Agent("check", WithinGenuine, environment);
        var beyond = await Agent("check", BeyondGenuine, environment);

        Assert.Equal(3, fromFiles.Exit);
        Assert.Contains("UnknownRootKey", fromFiles.Output, StringComparison.Ordinal);
        Assert.Equal(3, fromEnvironment.Exit);
        Assert.Equal(3, checkForged.Exit);
        Assert.Contains("UnknownRootKey", checkForged.Output, StringComparison.Ordinal);
        Assert.True(within.Exit == 0, within.Output);
        Assert.Equal(64 + 1, beyond.Exit);
    }

    [Fact]
    public async Task Revision_1_written_over_revision_2_fails_check()
    {
        var info = await HostInfoAsync();
        var signer = Signer(_agent.Root);
        var v1 = License("v1.lic", info, signer, revision: 1, desktops: 100);
        var v2 = License("v2.lic", info, signer, revision: 2, desktops: 50);
        Assert.Equal(0, (await Agent("install", ["--license", v1])).Exit);
        Assert.Equal(0, (await Agent("install", ["--license", v2])).Exit);

        File.Copy(v1, Path.Combine(StateDir, "license.lic"), overwrite: true);
        var (exit, output) = await Agent("check", WithinGenuine);

        Assert.Equal(5, exit);
        Assert.Contains("OlderThanInstalled", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_under_faketime_a_year_ahead_then_at_the_real_time_fails_as_a_wound_back_clock()
    {
        var info = await HostInfoAsync();
        Assert.Equal(0, (await Agent("install", ["--license", License("l.lic", info, Signer(_agent.Root), revision: 1, desktops: 100)])).Exit);

        var ahead = await Agent("check", WithinGenuine, fakeTime: "+365d");
        var today = await Agent("check", WithinGenuine);
        var todayInChinese = await Agent("check", WithinGenuine, new Dictionary<string, string> { ["LANG"] = "zh_CN.UTF-8", ["LC_ALL"] = "zh_CN.UTF-8" });

        Assert.True(ahead.Exit == 0, ahead.Output);
        Assert.Equal(6, today.Exit);
        Assert.Contains("ClockWoundBack", today.Output, StringComparison.Ordinal);
        Assert.Equal(6, todayInChinese.Exit);
        Assert.Contains("时钟被调回", todayInChinese.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_release_build_reports_its_version_and_the_installed_revision_when_it_renews()
    {
        var info = await HostInfoAsync();
        Assert.Equal(0, (await Agent("install", ["--license", License("r4.lic", info, Signer(_agent.Root), revision: 4, desktops: 100)])).Exit);
        using var portal = new HttpListener();
        var address = $"http://127.0.0.1:{FreePort()}/";
        portal.Prefixes.Add(address);
        portal.Start();
        var request = RefuseOnceAsync(portal);
        new AgentState(StateDir).SaveServerConfig(new ServerConfig(address, "demo-01", "lpact_0123456789abcdef_x"));

        var (exit, output) = await Agent("renew", []);
        var (path, version, revision) = await request.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == ExitCodes.NotSetUp, output);
        Assert.Equal("/api/v1/instances/demo-01/license", path);
        // The same version the IL agent reads: the native executable kept its assembly attributes.
        Assert.Equal(CheckInReport.CurrentAgentVersion, version);
        Assert.Equal("4", revision);
    }

    /// <summary>Answers the first request with 403 and returns its path and check-in headers.</summary>
    private static async Task<(string? Path, string? Version, string? Revision)> RefuseOnceAsync(HttpListener listener)
    {
        var context = await listener.GetContextAsync();
        var seen = (context.Request.Url?.AbsolutePath, context.Request.Headers[CheckInReport.AgentVersionHeader], context.Request.Headers[CheckInReport.InstalledRevisionHeader]);
        context.Response.StatusCode = 403;
        context.Response.ContentType = "application/problem+json";
        await context.Response.OutputStream.WriteAsync("""{"code":"Error.Forbidden","detail":"test"}"""u8.ToArray());
        context.Response.Close();
        return seen;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void The_release_build_has_no_test_seam()
    {
        var folder = _agent.ReleaseIlFolder;
        var context = new AssemblyLoadContext("release-agent", isCollectible: true);
        context.Resolving += (ctx, name) => File.Exists(Path.Combine(folder, name.Name + ".dll")) ? ctx.LoadFromAssemblyPath(Path.Combine(folder, name.Name + ".dll")) : null;
        try
        {
            var assembly = context.LoadFromAssemblyPath(Path.Combine(folder, "licenseportal-agent.dll"));
            Assert.Equal("Release", assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration);
            var environment = assembly.GetType("LicensePortal.Agent.AgentEnvironment", throwOnError: true)!;

            foreach (var property in environment.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                Assert.True(property.SetMethod is null, $"{property.Name} can be set in a Release build");
            }
            Assert.NotNull(assembly.GetManifestResourceInfo("LicensePortal.Agent.VendorRoot.pub"));
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void The_release_build_is_one_native_executable_with_the_root_inside()
    {
        var executable = File.ReadAllBytes(_agent.Executable);
        var root = File.ReadAllBytes(Path.Combine(ReleaseAgentBuild.TestRootDirectory, "vendor-root.pub"));

        // ELF machine code, and nothing beside it a runtime would need: no assembly, no runtimeconfig.json, no deps.json.
        Assert.Equal("\u007fELF"u8.ToArray(), executable[..4]);
        // (Another test plants a vendor-root.pub beside it, so the folder is searched for what a runtime reads.)
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(_agent.Executable)!),
            file => file.EndsWith(".dll", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal));
        Assert.True(executable.AsSpan().IndexOf(root) >= 0, "the vendor root public key is not inside the executable");
    }
}
