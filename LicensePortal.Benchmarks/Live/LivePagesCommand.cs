using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Npgsql;

namespace LicensePortal.Benchmarks.Live;

/// <summary>
/// Issue 5's measurement: N real Chromium pages on /instances, M quota changes through the service layer, and for every
/// page and change the time from the commit to the moment the page's DOM shows the new value; plus the server's
/// memory per open page (live managed bytes after forced GC with N pages open, minus with none, over N).
/// <code>dotnet run -c Release --project LicensePortal.Benchmarks -- live-pages --pages 100</code>
/// Options: --pages N (100), --changes M (20), --interval-ms (1500), --instances (50), --role admin|support|user (admin),
/// --open-parallel (4), --postgres CONNECTION-STRING (a server where it may create a database; default SQLite),
/// --nodes 2 (PostgreSQL only: pages on node 2, changes on node 1), --redis HOST:PORT (a Redis server that carries the
/// changes between the nodes instead of PostgreSQL: LiveUpdates:Redis), --chromium PATH (/usr/bin/chromium),
/// --warmup-pages (35: pages opened, changed and closed before measuring, so the code runs at its final JIT tier),
/// --hold-seconds S (pause S seconds at the 0-page and N-page measuring points, to inspect the node).
/// </summary>
public static class LivePagesCommand
{
    public const string Name = "live-pages";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        var o = Args.Parse(args);
        var settings = new LiveSettings(
            Pages: o.Int("pages", 100),
            Changes: o.Int("changes", 20),
            IntervalMs: o.Int("interval-ms", 1500),
            Instances: o.Int("instances", 50),
            Role: o.Get("role") ?? "admin",
            OpenParallel: o.Int("open-parallel", 4),
            Postgres: o.Get("postgres"),
            Nodes: o.Int("nodes", 1),
            Redis: o.Get("redis"),
            HoldSeconds: o.Int("hold-seconds", 0),
            WarmUpPages: o.Int("warmup-pages", 35),
            Chromium: o.Get("chromium") ?? Environment.GetEnvironmentVariable("LICENSEPORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium");
        if (settings.Nodes is < 1 or > 2 || (settings.Nodes == 2 && settings.Postgres is null))
        {
            Console.Error.WriteLine("--nodes 2 needs --postgres (nodes share a PostgreSQL database); --nodes is 1 or 2.");
            return 2;
        }
        var userName = settings.Role switch
        {
            "admin" => "admin",
            "support" => LivePagesServer.SupportUserName,
            "user" => LivePagesServer.OwnerUserName,
            _ => throw new ArgumentException("--role is admin, support or user"),
        };

        var folder = Directory.CreateTempSubdirectory("lp-live-");
        var database = await CreateDatabaseAsync(settings, folder.FullName);
        var nodes = new List<NodeProcess>();
        try
        {
            for (var i = 0; i < settings.Nodes; i++)
            {
                // One node at a time: the first migrates and seeds, the others find it done.
                nodes.Add(await NodeProcess.StartAsync(folder.FullName, settings.Postgres is null ? "Sqlite" : "Postgres", database.ConnectionString, i == 0 ? settings.Instances : 0, settings.Redis));
            }
            var report = await MeasureAsync(settings, userName, changeNode: nodes[0], pageNode: nodes[^1]);
            Console.WriteLine(report);
            return 0;
        }
        catch (Exception) when (nodes.Count > 0)
        {
            foreach (var node in nodes)
            {
                Console.Error.WriteLine($"--- output of node {node.BaseAddress}:\n{node.Output}");
            }
            throw;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
            await database.DropAsync();
            folder.Delete(recursive: true);
        }
    }

    private static async Task<string> MeasureAsync(LiveSettings settings, string userName, NodeProcess changeNode, NodeProcess pageNode)
    {
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        // Change k gives instance (k mod the first page's rows) a desktop quota no cell shows yet (seeded ones are 10).
        var visible = Math.Min(settings.Instances, 25);
        var watches = Enumerable.Range(0, settings.Changes)
            .Select(k => new Watch(k, LivePagesServer.InstanceName(k % visible), (1000 + k).ToString(CultureInfo.InvariantCulture)))
            .ToList();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = settings.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var storage = await SignInAsync(browser, pageNode.BaseAddress, userName);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = pageNode.BaseAddress.ToString(),
            Locale = "en-US",
            StorageState = storage,
        });
        await context.AddInitScriptAsync($"window.__lpWatches = {JsonSerializer.Serialize(watches, Json)};\n{WatchScript()}");

        // Warm-up: a few pages see a run of changes and close, so that the measured run finds the code compiled at its
        // final tier (a portal that has run for a while), and first-use caches and statics sit in the 0-page baseline.
        await WarmUpAsync(context, settings, changeNode, pageNode);
        var circuitsGone = await WaitForAsync(pageNode, m => m.Circuits == 0, TimeSpan.FromSeconds(60));
        var empty = await pageNode.MemoryAsync();
        await HoldAsync(settings, pageNode, 0);

        var stopwatch = Stopwatch.StartNew();
        var pages = await OpenPagesAsync(context, settings.Pages, settings.OpenParallel);
        var openSeconds = stopwatch.Elapsed.TotalSeconds;
        // Every page subscribed (its grid subscribes after its first interactive render), plus the node's own stamp subscriber.
        if (!await WaitForAsync(pageNode, m => m.Subscribers == empty.Subscribers + settings.Pages, TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException($"expected {settings.Pages} more subscribers than the {empty.Subscribers} before; the server reports {(await pageNode.CountsAsync()).Subscribers}");
        }
        // Opening pages also pushed code over the tiering threshold; let the compiler finish before measuring.
        await WaitForJitAsync(pageNode);
        var open = await pageNode.MemoryAsync();
        await HoldAsync(settings, pageNode, settings.Pages);

        var sessions = await BrowserMetrics.StartAsync(pages);
        var metricsBefore = await BrowserMetrics.ReadAsync(sessions);
        var cpuBefore = pageNode.CpuSeconds();
        var browserBefore = ProcessCpu.BrowserSeconds();
        var jitBefore = await pageNode.CountsAsync();
        var machineBefore = MachineCpu.Read();
        var stamps = new List<ChangeStamps>();
        foreach (var w in watches)
        {
            stamps.Add(await changeNode.ChangeAsync(w.Name, w.Value));
            await Task.Delay(settings.IntervalMs);
        }
        // Give stragglers time, then read what every page saw.
        var seen = new Dictionary<string, double>[settings.Pages];
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            for (var i = 0; i < pages.Length; i++)
            {
                seen[i] = await pages[i].EvaluateAsync<Dictionary<string, double>>("() => window.__lpSeen");
            }
            if (seen.All(s => s.Count == watches.Count) || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(500);
        }
        var cpuSeconds = pageNode.CpuSeconds() - cpuBefore;
        var browserSeconds = ProcessCpu.BrowserSeconds() - browserBefore;
        var browserWork = (await BrowserMetrics.ReadAsync(sessions)).Minus(metricsBefore) / (settings.Pages * (double)settings.Changes);
        var machineBusy = MachineCpu.Read().BusySince(machineBefore);
        var jitAfter = await pageNode.CountsAsync();
        var clockSkew = 0.0;
        foreach (var page in pages)
        {
            clockSkew = Math.Max(clockSkew, Math.Abs(await page.EvaluateAsync<double>("() => performance.timeOrigin + performance.now() - Date.now()")));
        }
        var afterChanges = await pageNode.MemoryAsync();

        await ClosePagesAsync(pages);
        var closedClean = await WaitForAsync(pageNode, m => m.Circuits == 0, TimeSpan.FromSeconds(60));
        var closed = await pageNode.MemoryAsync();
        var loadAfter = File.ReadAllText("/proc/loadavg").Trim();

        var latencies = new List<double>();
        var fromStart = new List<double>();
        var slowestPerChange = new List<double>();
        var missing = 0;
        foreach (var w in watches)
        {
            var commit = stamps[w.K].CommitMs;
            var slowest = 0.0;
            foreach (var s in seen)
            {
                if (s.TryGetValue(w.K.ToString(CultureInfo.InvariantCulture), out var at))
                {
                    latencies.Add(at - commit);
                    fromStart.Add(at - stamps[w.K].StartMs);
                    slowest = Math.Max(slowest, at - commit);
                }
                else
                {
                    missing++;
                }
            }
            slowestPerChange.Add(slowest);
        }

        var md = new StringBuilder();
        var provider = settings.Postgres is null ? "SQLite" : "PostgreSQL";
        var carrier = settings.Nodes == 1 ? "" : settings.Redis is null ? ", changes carried by LISTEN/NOTIFY" : ", changes carried by Redis";
        md.AppendLine(CultureInfo.InvariantCulture, $"### {settings.Pages} pages of /instances as {settings.Role}, {settings.Changes} changes, {provider}, {settings.Nodes} node(s){carrier}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {browser.Version}, {settings.Instances} instances, a change every {settings.IntervalMs} ms; load average before `{loadBefore}`, after `{loadAfter}`.");
        md.AppendLine();
        md.AppendLine("| Figure | Value |");
        md.AppendLine("|---|---:|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Pages open, interactive and subscribed | {settings.Pages} (opened in {openSeconds:F0} s) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Changes seen / expected (page × change) | {latencies.Count} / {settings.Pages * settings.Changes} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Commit → visible, p50 | {Percentile(latencies, 0.50):F0} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Commit → visible, **p95** | **{Percentile(latencies, 0.95):F0} ms** |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Commit → visible, p99 | {Percentile(latencies, 0.99):F0} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Commit → visible, max | {latencies.DefaultIfEmpty(double.NaN).Max():F0} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Last page to see a change, median / max over changes | {Percentile(slowestPerChange, 0.5):F0} / {slowestPerChange.DefaultIfEmpty(double.NaN).Max():F0} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Save call start → visible, p95 | {Percentile(fromStart, 0.95):F0} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Save call start → commit, median | {Percentile(stamps.Select(s => s.CommitMs - s.StartMs).ToList(), 0.5):F1} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Managed memory (forced GC), 0 → {settings.Pages} pages | {Mb(empty.ManagedBytes)} → {Mb(open.ManagedBytes)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| **Managed memory per open page** | **{Kb((open.ManagedBytes - empty.ManagedBytes) / (double)settings.Pages)}** |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Managed memory per open page, after the changes | {Kb((afterChanges.ManagedBytes - empty.ManagedBytes) / (double)settings.Pages)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Working set: 0 pages / {settings.Pages} pages / all closed (the GC keeps what it committed, so no per-page figure) | {Mb(empty.WorkingSetBytes)} / {Mb(open.WorkingSetBytes)} / {Mb(closed.WorkingSetBytes)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| GC committed, 0 → {settings.Pages} pages | {Mb(empty.CommittedBytes)} → {Mb(open.CommittedBytes)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| All pages closed: managed memory, circuits left | {Mb(closed.ManagedBytes)}, {closed.Circuits}{(closedClean ? "" : " (still open after 30 s)")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Page node's CPU during the changes (per change) | {cpuSeconds:F1} s ({cpuSeconds * 1000 / settings.Changes:F0} ms) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Chromium's CPU during the changes (per change) | {browserSeconds:F1} s ({browserSeconds * 1000 / settings.Changes:F0} ms) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Per page and change in Chromium: script / style / layout / all main-thread tasks | {browserWork.ScriptMs:F1} / {browserWork.StyleMs:F1} / {browserWork.LayoutMs:F1} / {browserWork.TaskMs:F1} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Methods JIT-compiled on the page node during the changes | {jitAfter.JitMethods - jitBefore.JitMethods} ({jitAfter.JitMs - jitBefore.JitMs:F0} ms) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Machine CPU busy during the changes (all processes, {Environment.ProcessorCount} cores) | {machineBusy:P0} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Largest page clock vs Date.now() difference | {clockSkew:F1} ms |");
        if (!circuitsGone)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| Note | {empty.Circuits} warm-up circuit(s) were still open when the 0-page baseline was taken |");
        }
        return md.ToString();
    }

    /// <summary>
    /// Opens pages and makes changes until the code involved has been called often enough for tiered compilation to
    /// promote it (30 calls), then waits for the background compiler to finish: the measured run then sees a portal
    /// that has been in use for a while, not one still compiling itself.
    /// </summary>
    private static async Task WarmUpAsync(IBrowserContext context, LiveSettings settings, NodeProcess changeNode, NodeProcess pageNode)
    {
        var pages = await OpenPagesAsync(context, settings.WarmUpPages, settings.OpenParallel);
        // Values no watch uses (watches start at 1000), one row after another.
        for (var k = 0; k < 40; k++)
        {
            await changeNode.ChangeAsync(LivePagesServer.InstanceName(k % Math.Min(settings.Instances, 25)), (100 + k).ToString(CultureInfo.InvariantCulture));
            await Task.Delay(150);
        }
        await ClosePagesAsync(pages);
        await WaitForJitAsync(pageNode);
    }

    /// <summary>Waits (at most a minute) until the node compiles fewer than 5 methods in 2 seconds.</summary>
    private static async Task WaitForJitAsync(NodeProcess node)
    {
        var last = (await node.CountsAsync()).JitMethods;
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(2000);
            var now = (await node.CountsAsync()).JitMethods;
            if (now - last < 5)
            {
                return;
            }
            last = now;
        }
    }

    /// <summary>
    /// Leaves each page for about:blank first: the unload sends Blazor's disconnect beacon, so the server ends the circuit
    /// at once instead of keeping it as a disconnected circuit for minutes.
    /// </summary>
    private static async Task ClosePagesAsync(IEnumerable<IPage> pages)
    {
        foreach (var page in pages)
        {
            await page.GotoAsync("about:blank");
            await page.CloseAsync();
        }
    }

    private static async Task<IPage[]> OpenPagesAsync(IBrowserContext context, int count, int parallel)
    {
        var pages = new IPage[count];
        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                pages[i] = await OpenPageAsync(context);
            }
            finally
            {
                gate.Release();
            }
        }));
        return pages;
    }

    /// <summary>Time to inspect the node (dotnet-gcdump, dotnet-counters) at a measuring point, when asked for.</summary>
    private static async Task HoldAsync(LiveSettings settings, NodeProcess node, int pages)
    {
        if (settings.HoldSeconds > 0)
        {
            await Console.Error.WriteLineAsync($"{pages} pages open on node pid {node.ProcessId}; holding {settings.HoldSeconds} s");
            await Task.Delay(TimeSpan.FromSeconds(settings.HoldSeconds));
        }
    }

    private static async Task<IPage> OpenPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(120_000);
        await page.GotoAsync("instances");
        // Interactive (the layout's marker) and the grid's first rows loaded.
        await page.Locator("#portal-interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Locator("#instances-grid a.instance-link").First.WaitForAsync();
        return page;
    }

    /// <summary>Signs in once through the sign-in page; every measured page reuses the cookie.</summary>
    private static async Task<string> SignInAsync(IBrowser browser, Uri baseAddress, string userName)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), Locale = "en-US" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("Identity/Account/Login");
        await page.FillAsync("#Input_UserName", userName);
        await page.FillAsync("#Input_Password", LivePagesServer.ViewerPassword);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(url => !url.Contains("/Identity/Account/Login", StringComparison.Ordinal));
        return await context.StorageStateAsync();
    }

    private static async Task<bool> WaitForAsync(NodeProcess node, Func<MemoryFigures, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(await node.CountsAsync()))
            {
                return true;
            }
            await Task.Delay(500);
        }
        return false;
    }

    private static string WatchScript()
    {
        using var stream = typeof(LivePagesCommand).Assembly.GetManifestResourceStream("LivePages.watch.js")
            ?? throw new InvalidOperationException("watch.js is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MB");

    private static string Kb(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:F0} KB");

    private static async Task<LiveDatabase> CreateDatabaseAsync(LiveSettings settings, string folder)
    {
        if (settings.Postgres is null)
        {
            return new LiveDatabase($"Data Source={Path.Combine(folder, "live.db")}", () => Task.CompletedTask);
        }
        var name = "lp_live_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(settings.Postgres))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new LiveDatabase(new NpgsqlConnectionStringBuilder(settings.Postgres) { Database = name }.ConnectionString, async () =>
        {
            await using var admin = new NpgsqlConnection(settings.Postgres);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        });
    }

    private sealed record LiveSettings(int Pages, int Changes, int IntervalMs, int Instances, string Role, int OpenParallel, string? Postgres, int Nodes, string? Redis, int HoldSeconds, int WarmUpPages, string Chromium);

    private sealed record Watch(int K, string Name, string Value);

    private sealed record LiveDatabase(string ConnectionString, Func<Task> DropAsync);

    /// <summary>Whole-machine CPU counters from /proc/stat (the machine is shared; this shows how saturated it was).</summary>
    private sealed record MachineCpu(long Busy, long Total)
    {
        public static MachineCpu Read()
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = fields[3] + fields[4]; // idle + iowait
            var total = fields.Take(8).Sum();
            return new MachineCpu(total - idle, total);
        }

        public double BusySince(MachineCpu before) => (double)(Busy - before.Busy) / Math.Max(1, Total - before.Total);
    }

    /// <summary>Main-thread time Chromium's DevTools protocol counts for each page (Performance.getMetrics), summed over pages, in ms.</summary>
    private sealed record BrowserMetrics(double ScriptMs, double StyleMs, double LayoutMs, double TaskMs)
    {
        /// <summary>One DevTools session per page, kept open: the counters run from Performance.enable on.</summary>
        public static async Task<List<ICDPSession>> StartAsync(IEnumerable<IPage> pages)
        {
            var sessions = new List<ICDPSession>();
            foreach (var page in pages)
            {
                var session = await page.Context.NewCDPSessionAsync(page);
                await session.SendAsync("Performance.enable");
                sessions.Add(session);
            }
            return sessions;
        }

        public static async Task<BrowserMetrics> ReadAsync(IEnumerable<ICDPSession> sessions)
        {
            var sum = new BrowserMetrics(0, 0, 0, 0);
            foreach (var session in sessions)
            {
                var result = await session.SendAsync("Performance.getMetrics");
                var metrics = result!.Value.GetProperty("metrics").EnumerateArray()
                    .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble() * 1000);
                sum = new BrowserMetrics(
                    sum.ScriptMs + metrics.GetValueOrDefault("ScriptDuration"), sum.StyleMs + metrics.GetValueOrDefault("RecalcStyleDuration"),
                    sum.LayoutMs + metrics.GetValueOrDefault("LayoutDuration"), sum.TaskMs + metrics.GetValueOrDefault("TaskDuration"));
            }
            return sum;
        }

        public BrowserMetrics Minus(BrowserMetrics other) =>
            new(ScriptMs - other.ScriptMs, StyleMs - other.StyleMs, LayoutMs - other.LayoutMs, TaskMs - other.TaskMs);

        public static BrowserMetrics operator /(BrowserMetrics m, double d) => new(m.ScriptMs / d, m.StyleMs / d, m.LayoutMs / d, m.TaskMs / d);
    }

    /// <summary>CPU time from /proc (clock ticks of 10 ms).</summary>
    private static class ProcessCpu
    {
        /// <summary>User plus system time of one process.</summary>
        public static double Seconds(int pid)
        {
            var fields = Stat(pid);
            return fields is null ? 0 : (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        /// <summary>Every chromium process started under this one (through Playwright's driver).</summary>
        public static double BrowserSeconds()
        {
            var parents = new Dictionary<int, int>();
            var names = new Dictionary<int, string>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } fields && Read($"/proc/{pid}/comm") is { } name)
                {
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                    names[pid] = name.Trim();
                }
            }
            var self = Environment.ProcessId;
            var total = 0.0;
            foreach (var (pid, name) in names)
            {
                if (!name.StartsWith("chrom", StringComparison.Ordinal))
                {
                    continue;
                }
                for (var p = parents.GetValueOrDefault(pid); p > 1; p = parents.GetValueOrDefault(p))
                {
                    if (p == self)
                    {
                        total += Seconds(pid);
                        break;
                    }
                }
            }
            return total;
        }

        /// <summary>The fields of /proc/PID/stat after the command name (index 0 is the state), or null if it is gone.</summary>
        private static string[]? Stat(int pid)
        {
            var stat = Read($"/proc/{pid}/stat");
            return stat?[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }

        private static string? Read(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException)
            {
                return null; // the process ended meanwhile
            }
        }
    }

    /// <summary>A <see cref="LivePagesServer"/> child process on a free loopback port.</summary>
    private sealed class NodeProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output;
        private readonly HttpClient _http;

        private NodeProcess(Process process, StringBuilder output, Uri baseAddress)
        {
            _process = process;
            _output = output;
            BaseAddress = baseAddress;
            _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        }

        public Uri BaseAddress { get; }

        public int ProcessId => _process.Id;

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

        public static async Task<NodeProcess> StartAsync(string folder, string provider, string connectionString, int seedInstances, string? redis)
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            var url = $"http://127.0.0.1:{port}";
            var start = new ProcessStartInfo("dotnet",
            [
                typeof(LivePagesServer).Assembly.Location, LivePagesServer.Name,
                "--url", url, "--folder", folder, "--provider", provider, "--connection", connectionString,
                "--seed-instances", seedInstances.ToString(CultureInfo.InvariantCulture),
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // The portal runs with server GC (the Web SDK's default, in its runtimeconfig); so does this node.
            start.Environment["DOTNET_gcServer"] = "1";
            if (redis is not null)
            {
                start.Environment["LiveUpdates__Redis"] = redis;
            }
            var output = new StringBuilder();
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var node = new NodeProcess(process, output, new Uri(url + "/"));
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    if ((await node._http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode == HttpStatusCode.OK)
                    {
                        return node;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                await Task.Delay(250);
            }
            var log = node.Output;
            await node.DisposeAsync();
            throw new InvalidOperationException($"The node did not become healthy. Its output:\n{log}");
        }

        /// <summary>Forced-GC figures; slow (three full collections), so only at the measuring points.</summary>
        public async Task<MemoryFigures> MemoryAsync() =>
            (await _http.GetFromJsonAsync<MemoryFigures>(new Uri("_bench/memory", UriKind.Relative), Json))!;

        /// <summary>The same counts without collecting garbage.</summary>
        public async Task<MemoryFigures> CountsAsync() =>
            (await _http.GetFromJsonAsync<MemoryFigures>(new Uri("_bench/counts", UriKind.Relative), Json))!;

        public async Task<ChangeStamps> ChangeAsync(string name, string desktops)
        {
            using var response = await _http.PostAsync(new Uri($"_bench/change?name={Uri.EscapeDataString(name)}&desktops={desktops}", UriKind.Relative), null);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<ChangeStamps>(Json))!;
        }

        /// <summary>User plus system CPU time of the node process so far.</summary>
        public double CpuSeconds() => ProcessCpu.Seconds(_process.Id);

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
