using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// The real portal, started as its own process (dotnet LicensePortal.dll) on a free loopback port with a throwaway
/// SQLite file, exactly as `dotnet run` would start it. Disposing stops it and removes its files.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "Adm1n-Browser-Passw0rd!";

    private readonly Process _process;
    private readonly DirectoryInfo _folder;
    private readonly StringBuilder _output;

    private PortalProcess(Process process, DirectoryInfo folder, StringBuilder output, Uri baseAddress)
    {
        _process = process;
        _folder = folder;
        _output = output;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

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

    public static async Task<PortalProcess> StartAsync(IDictionary<string, string>? settings = null)
    {
        var folder = Directory.CreateTempSubdirectory("lp-portal-");
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var portalDir = Path.Combine(RepositoryRoot(), "LicensePortal");
        var dll = Path.Combine(AppContext.BaseDirectory, "LicensePortal.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = portalDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // serves static web assets from the build output
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_CONTENTROOT"] = portalDir;
        start.Environment["ConnectionStrings__LicensePortal"] = $"Data Source={Path.Combine(folder.FullName, "portal.db")}";
        start.Environment["Bootstrap__AdminUserName"] = AdminUserName;
        start.Environment["Bootstrap__AdminPassword"] = AdminPassword;
        start.Environment["Licensing__KeyDirectory"] = Path.Combine(folder.FullName, "keys");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var portal = new PortalProcess(process, folder, output, baseAddress);

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
                    return portal;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet, or too busy starting to answer within the probe's timeout
            }
            await Task.Delay(250);
        }
        var log = portal.Output;
        await portal.DisposeAsync();
        throw new InvalidOperationException($"The portal did not become healthy. Its output:\n{log}");
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
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
