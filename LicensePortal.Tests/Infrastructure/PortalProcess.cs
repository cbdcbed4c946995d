using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// The real portal, started as its own process (dotnet LicensePortal.dll) on a free loopback port with a throwaway
/// SQLite file, exactly as `dotnet run` would start it. Disposing stops it and removes its files. It can be killed
/// (SIGKILL) and started again on the same files and settings, as after a crash.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "Adm1n-Browser-Passw0rd!";

    private readonly DirectoryInfo _folder;
    private readonly IDictionary<string, string> _settings;
    private readonly bool _asSystemdService;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private PortalProcess(DirectoryInfo folder, IDictionary<string, string> settings, bool asSystemdService)
    {
        _folder = folder;
        _settings = settings;
        _asSystemdService = asSystemdService;
    }

    /// <summary>Where the portal listens; a restart listens on a new port.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The SQLite file the portal uses unless the settings name another database.</summary>
    public string SqliteFile => Path.Combine(_folder.FullName, "portal.db");

    /// <summary>The key directory (Licensing:KeyDirectory) unless the settings name another.</summary>
    public string KeyDirectory => Path.Combine(_folder.FullName, "keys");

    /// <summary>What the portal printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="settings">Configuration as environment variables (Section__Key), over the test defaults.</param>
    /// <param name="asSystemdService">
    /// Start it as a child of a process named <c>systemd</c> (a shell behind a link of that name): what
    /// Microsoft.Extensions.Hosting.Systemd takes for a systemd service, so AddSystemd does what it does under the unit.
    /// </param>
    public static async Task<PortalProcess> StartAsync(IDictionary<string, string>? settings = null, bool asSystemdService = false)
    {
        var portal = new PortalProcess(Directory.CreateTempSubdirectory("lp-portal-"), settings ?? new Dictionary<string, string>(), asSystemdService);
        await portal.RunAsync();
        return portal;
    }

    /// <summary>
    /// Ends the process with SIGKILL (what Process.Kill sends on Unix): no shutdown, no flushing, open requests and
    /// transactions cut off where they are. Its files stay for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the portal again on the same database, key directory and settings (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _process = null;
        await RunAsync();
    }

    private async Task RunAsync()
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var portalDir = Path.Combine(RepositoryRoot(), "LicensePortal");
        var dll = Path.Combine(AppContext.BaseDirectory, "LicensePortal.dll");
        var start = _asSystemdService ? SystemdParent(dll) : new ProcessStartInfo("dotnet", [dll]);
        start.WorkingDirectory = portalDir;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // serves static web assets from the build output
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_CONTENTROOT"] = portalDir;
        start.Environment["ConnectionStrings__LicensePortal"] = $"Data Source={SqliteFile}";
        start.Environment["Bootstrap__AdminUserName"] = AdminUserName;
        start.Environment["Bootstrap__AdminPassword"] = AdminPassword;
        start.Environment["Licensing__KeyDirectory"] = KeyDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in _settings)
        {
            start.Environment[key] = value;
        }

        var output = _output;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        BaseAddress = baseAddress;

        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                break;
            }
            try
            {
                if ((await http.GetAsync("healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet, or too busy starting to answer within the probe's timeout
            }
            await Task.Delay(250);
        }
        var log = Output;
        await DisposeAsync();
        throw new InvalidOperationException($"The portal did not become healthy. Its output:\n{log}");
    }

    private ProcessStartInfo SystemdParent(string dll)
    {
        // The parent's /proc/PID/comm must read "systemd"; the shell waits for dotnet (no exec), so it stays the parent.
        var systemd = Path.Combine(_folder.FullName, "systemd");
        if (!File.Exists(systemd))
        {
            File.CreateSymbolicLink(systemd, "/bin/sh");
        }
        return new ProcessStartInfo(systemd, ["-c", "dotnet \"$0\"; exit $?", dll]);
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LicensePortal.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("LicensePortal.sln not found above the test folder.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _process = null;
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a file still held by the dying process; the temp folder is cleaned by the OS
        }
    }
}
