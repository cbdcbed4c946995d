using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace LicensePortal.Benchmarks.Export;

/// <summary>
/// <c>audit-export [--rows N] [--postgres CONNECTION]</c>: GET /audit/export.csv of N audit entries (default 1,000,000)
/// from a real portal process (dotnet LicensePortal.dll, Production, Kestrel) on a database seeded by the portal's own
/// <c>seed-demo --audit-entries N</c> (SQLite file /tmp/licenseportal-bench/export-N.db, or database
/// licenseportal_bench_export_N on the PostgreSQL server given; seeded once, reused). A client signs in through the
/// login page and reads the stream to the end, counting rows; the server's resident memory (VmRSS in /proc/PID/status)
/// is sampled every 20 ms. Prints time to first byte, total time, rows, bytes and memory before, peak and growth.
/// The targets (issue 14): first byte within 1 s, growth under 50 MB.
/// </summary>
public static partial class AuditExportCommand
{
    public const string Name = "audit-export";
    private const string AdminPassword = "Export-Adm1n-Passw0rd!";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = 1_000_000;
        string? postgres = null;
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--rows")
            {
                rows = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--postgres")
            {
                postgres = args[i + 1];
            }
        }
        var folder = Path.Combine(Path.GetTempPath(), "licenseportal-bench");
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>
        {
            ["Bootstrap__AdminUserName"] = "admin",
            ["Bootstrap__AdminPassword"] = AdminPassword,
            ["Licensing__KeyDirectory"] = Path.Combine(folder, $"export-{rows}-keys"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (postgres is null)
        {
            environment["ConnectionStrings__LicensePortal"] = $"Data Source={Path.Combine(folder, $"export-{rows}.db")}";
        }
        else
        {
            environment["Database__Provider"] = "Postgres";
            environment["ConnectionStrings__LicensePortal"] = new Npgsql.NpgsqlConnectionStringBuilder(postgres) { Database = $"licenseportal_bench_export_{rows}" }.ConnectionString;
        }

        // seed-demo refuses a database that already has its data (exit code 1): the earlier seed is reused.
        var seed = Start(environment, "seed-demo", "--users", "1000", "--instances", "1000", "--audit-entries", rows.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine((await seed.StandardOutput.ReadToEndAsync()).TrimEnd());
        await seed.WaitForExitAsync();

        var port = FreePort();
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        using var portal = Start(environment);
        try
        {
            var baseAddress = new Uri($"http://127.0.0.1:{port}/");
            using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
            using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(30) };
            await WaitHealthyAsync(client, portal);
            await SignInAsync(client);
            // Once on a few rows first: start-up, JIT and the first queries are not the export's memory.
            await ExportAsync(client, portal.Id, $"audit/export.csv?from={DateTime.UtcNow:yyyy-MM-dd}", quiet: true);
            Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}");
            await ExportAsync(client, portal.Id, "audit/export.csv", quiet: false);
            Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }
        finally
        {
            portal.Kill(entireProcessTree: true);
            await portal.WaitForExitAsync();
        }
    }

    private static async Task ExportAsync(HttpClient client, int serverPid, string path, bool quiet)
    {
        var before = ResidentBytes(serverPid);
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(serverPid));
                await Task.Delay(20);
            }
        });
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long bytes = 0, lines = 0;
        TimeSpan? firstByte = null;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            firstByte ??= clock.Elapsed;
            bytes += read;
            // Rows end with CRLF; a quoted field may hold CRLF too, but the seeded values never do.
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        var total = clock.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        peak = Math.Max(peak, ResidentBytes(serverPid));
        if (!quiet)
        {
            Console.WriteLine($"GET /{path}: chunked={response.Headers.TransferEncodingChunked}, {lines - 1:N0} rows + header, {bytes / 1048576.0:F1} MiB");
            Console.WriteLine($"first byte {firstByte?.TotalMilliseconds:F0} ms, complete {total.TotalSeconds:F1} s ({bytes / 1048576.0 / total.TotalSeconds:F1} MiB/s)");
            Console.WriteLine($"server RSS before {before / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, growth {(peak - before) / 1048576.0:F1} MiB");
        }
    }

    /// <summary>VmRSS of /proc/PID/status, in bytes.</summary>
    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    private static Process Start(Dictionary<string, string> environment, params string[] args)
    {
        var portalDir = Path.Combine(RepositoryRoot(), "LicensePortal");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "LicensePortal.dll"), .. args])
        {
            WorkingDirectory = portalDir,
            RedirectStandardOutput = args.Length > 0,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_CONTENTROOT"] = portalDir;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task WaitHealthyAsync(HttpClient client, Process portal)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !portal.HasExited)
        {
            try
            {
                if ((await client.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new InvalidOperationException("the portal did not become healthy");
    }

    /// <summary>Through the real login page, as a browser does: its antiforgery token, then the form.</summary>
    private static async Task SignInAsync(HttpClient client)
    {
        var page = await client.GetStringAsync(new Uri("Identity/Account/Login", UriKind.Relative));
        var token = WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = "admin",
            ["Input.Password"] = AdminPassword,
            ["Input.RememberMe"] = "false",
            ["__RequestVerificationToken"] = token,
        });
        using var answer = await client.PostAsync(new Uri("Identity/Account/Login", UriKind.Relative), form);
        if (!answer.Headers.TryGetValues("Set-Cookie", out var cookies) || !cookies.Any(c => c.StartsWith("LicensePortal.Auth=", StringComparison.Ordinal) && !c.StartsWith("LicensePortal.Auth=;", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"sign-in failed: {(int)answer.StatusCode}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LicensePortal.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("LicensePortal.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
