using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LicensePortal.Benchmarks.Live;

/// <summary>
/// One portal node for <see cref="LivePagesCommand"/>, run as its own process so that the browser driver's objects never
/// count as server memory. It is the portal as Program.cs builds it (same services, same endpoints, Kestrel, server GC
/// set by the parent), plus a few anonymous /_bench endpoints on loopback: forced-GC memory figures, circuit and
/// subscriber counts, and a timed quota change through the service layer.
/// </summary>
public static class LivePagesServer
{
    public const string Name = "live-pages-server";

    public const string ViewerPassword = "Live-Pages-Passw0rd!";
    public const string SupportUserName = "live-support";
    public const string OwnerUserName = "live-owner";
    public const string InstancePrefix = "live-";

    private static int _circuitsOpen;
    private static int _connectionsUp;

    /// <summary>Milliseconds since the Unix epoch on the wall clock, the same clock as a page's performance.timeOrigin + now().</summary>
    public static double NowMs() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Args.Parse(args);
        var url = options.Required("url");
        var folder = options.Required("folder");
        var provider = options.Get("provider") ?? "Sqlite";
        var connectionString = options.Required("connection");
        var seedInstances = int.Parse(options.Get("seed-instances") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

        // The portal's csproj sets this switch through its runtimeconfig; this process has its own runtimeconfig.
        AppContext.SetSwitch("Microsoft.AspNetCore.Components.Endpoints.NavigationManager.DisableThrowNavigationException", true);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalSetup).Assembly.GetName().Name,
            ContentRootPath = Path.Combine(RepositoryRoot(), "LicensePortal"),
            EnvironmentName = Environments.Production,
        });
        // Production, but with the static web assets (MudBlazor's CSS/JS, blazor.web.js) served from the build output.
        builder.WebHost.UseStaticWebAssets();
        builder.WebHost.UseUrls(url);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:LicensePortal"] = connectionString,
            ["Bootstrap:AdminUserName"] = "admin",
            ["Bootstrap:AdminPassword"] = ViewerPassword,
            ["Licensing:KeyDirectory"] = Path.Combine(folder, "keys"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddLicensePortal();
        builder.Services.AddScoped<CircuitHandler, CountingCircuitHandler>();

        var app = builder.Build();
        await FirstRunSetup.RunAsync(app.Services, TextWriter.Null);
        var admin = await AdminAsync(app.Services);
        if (seedInstances > 0)
        {
            await SeedAsync(app.Services, admin, seedInstances);
        }

        // The first subscriber: it hears a change right after the commit, before any page's handler runs.
        var heard = new ConcurrentDictionary<int, double>();
        using var stamp = app.Services.GetRequiredService<InstanceChangeNotifier>().Subscribe(admin, change =>
        {
            heard[change.InstanceId] = NowMs();
            return Task.CompletedTask;
        });

        await app.MapLicensePortalAsync();
        app.MapGet("/_bench/memory", () => TypedResults.Ok(Measure(app.Services, collect: true))).AllowAnonymous();
        app.MapGet("/_bench/counts", () => TypedResults.Ok(Measure(app.Services, collect: false))).AllowAnonymous();
        app.MapPost("/_bench/change", async (string name, int desktops, InstanceService instances) =>
        {
            var row = await instances.FindByNameAsync(admin, name) ?? throw new InvalidOperationException($"no instance {name}");
            heard.TryRemove(row.Id, out _);
            var start = NowMs();
            var result = await instances.UpdateAsync(admin, row.Id, row.ToQuotas() with { MaxDesktops = desktops }, row.Version);
            var end = NowMs();
            if (!result.Succeeded)
            {
                return Results.Problem($"update of {name} failed: {result.Failure}");
            }
            return Results.Ok(new ChangeStamps(start, heard.TryGetValue(row.Id, out var commit) ? commit : double.NaN, end));
        }).AllowAnonymous();

        await app.RunAsync();
        return 0;
    }

    /// <summary>Live managed bytes after full, compacting, blocking collections, plus what the OS sees.</summary>
    private static MemoryFigures Measure(IServiceProvider services, bool collect)
    {
        for (var i = 0; collect && i < 3; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        var managed = GC.GetTotalMemory(forceFullCollection: collect);
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        using var process = Process.GetCurrentProcess();
        return new MemoryFigures(
            managed, info.HeapSizeBytes, info.TotalCommittedBytes, process.WorkingSet64, process.PrivateMemorySize64,
            services.GetRequiredService<InstanceChangeNotifier>().SubscriberCount, Volatile.Read(ref _circuitsOpen), Volatile.Read(ref _connectionsUp),
            System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);
    }

    private static async Task<PortalActor> AdminAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync("admin")
            ?? throw new InvalidOperationException("first-run setup made no admin");
        return new PortalActor(admin.Id, admin.UserName!, PortalRole.Administrator);
    }

    /// <summary>A support account, a customer owning every instance, and the instances, all through the services.</summary>
    private static async Task SeedAsync(IServiceProvider services, PortalActor admin, int count)
    {
        var users = services.GetRequiredService<UserAdminService>();
        var instances = services.GetRequiredService<InstanceService>();
        await users.CreateAsync(admin, new UserInput(SupportUserName, null, null, "Vendor", null, PortalRole.Support), ViewerPassword);
        var owner = (await users.CreateAsync(admin, new UserInput(OwnerUserName, null, null, "Acme", null, PortalRole.User), ViewerPassword)).Value!.User;
        var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1);
        for (var i = 0; i < count; i++)
        {
            var created = await instances.CreateAsync(admin, new NewInstance(InstanceName(i), owner.Id, new InstanceQuotas(10, 5, 20, 64, 256, 2048, expires)));
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"seeding {InstanceName(i)} failed: {string.Join(", ", created.Errors.Select(e => e.Code))}");
            }
        }
    }

    public static string InstanceName(int i) => $"{InstancePrefix}{i:D4}";

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LicensePortal.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("LicensePortal.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Counts live circuits and connected ones (a closed tab's circuit may linger as disconnected).</summary>
    private sealed class CountingCircuitHandler : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _circuitsOpen);
            return Task.CompletedTask;
        }

        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Decrement(ref _circuitsOpen);
            return Task.CompletedTask;
        }

        public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _connectionsUp);
            return Task.CompletedTask;
        }

        public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Decrement(ref _connectionsUp);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Wall-clock stamps (ms since the epoch) of one change: call start, commit (first subscriber heard it), call end.</summary>
public sealed record ChangeStamps(double StartMs, double CommitMs, double EndMs);

public sealed record MemoryFigures(
    long ManagedBytes, long HeapSizeBytes, long CommittedBytes, long WorkingSetBytes, long PrivateBytes,
    int Subscribers, int Circuits, int ConnectedCircuits, long JitMethods, double JitMs);

/// <summary>"--name value" pairs.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Args Parse(string[] args)
    {
        var parsed = new Args();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }
            parsed._values[args[i][2..]] = args[++i];
        }
        return parsed;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) =>
        Get(name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
