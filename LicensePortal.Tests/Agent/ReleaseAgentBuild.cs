using System.Diagnostics;
using LicensePortal.Licensing;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Agent;

/// <summary>
/// The agent as a customer gets it: built once with the README's command,
/// <c>dotnet publish LicensePortal.Agent -c Release -r linux-x64 -p:VendorRootPublicKeyFile=PATH -o DIR</c>, with the
/// committed test root (Agent/TestRoot), then run as a separate process on this machine's real identity and clock. That
/// command gives the NativeAOT executable: no .NET runtime is involved when the tests run it.
/// </summary>
public sealed class ReleaseAgentBuild : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("lp-release-agent-").FullName;

    public string Executable => Path.Combine(Folder, "bin", "licenseportal-agent");

    /// <summary>
    /// The Release IL the native compiler took as input (the publish builds it first, into the artifacts path), with the
    /// assemblies it references: the seam check reads it, since the native executable has no assembly to load.
    /// </summary>
    public string ReleaseIlFolder => Path.Combine(Folder, "artifacts", "bin", "LicensePortal.Agent", "release_linux-x64");

    public static string TestRootDirectory => Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal.Tests", "Agent", "TestRoot");

    /// <summary>The committed test root's private half: only tests hold it.</summary>
    public VendorRootKey Root { get; } = VendorRootKey.ImportPrivate(File.ReadAllText(Path.Combine(TestRootDirectory, "vendor-root.key")));

    public async Task InitializeAsync()
    {
        var project = Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal.Agent", "LicensePortal.Agent.csproj");
        // Its own obj/bin folders (--artifacts-path), so the build does not touch the Debug build the tests run from.
        var (exit, output) = await RunAsync("dotnet", [
            "publish", project, "-c", "Release", "-r", "linux-x64",
            $"-p:VendorRootPublicKeyFile={Path.Combine(TestRootDirectory, "vendor-root.pub")}",
            "--artifacts-path", Path.Combine(Folder, "artifacts"), "-o", Path.Combine(Folder, "bin"), "--nologo",
        ], new Dictionary<string, string>());
        Assert.True(exit == 0, "dotnet publish failed:\n" + output);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs the published agent (optionally under libfaketime's <c>faketime</c>) and returns its exit code and output.</summary>
    public Task<(int Exit, string Output)> AgentAsync(string[] args, IDictionary<string, string>? environment = null, string? fakeTime = null) =>
        fakeTime is null
            ? RunAsync(Executable, args, environment ?? new Dictionary<string, string>())
            : RunAsync("faketime", ["-f", fakeTime, Executable, .. args], environment ?? new Dictionary<string, string>());

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>
/// The tests that run the Release agent share one <see cref="ReleaseAgentBuild"/>: a NativeAOT publish takes minutes on a
/// small machine, so it is made once for all of them (they run one class after another, each with its own state folders).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedReleaseAgent : ICollectionFixture<ReleaseAgentBuild>
{
    public const string Name = "Release agent";
}
