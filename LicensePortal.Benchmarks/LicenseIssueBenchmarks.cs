using BenchmarkDotNet.Attributes;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Benchmarks;

/// <summary>
/// Issuing licenses through the service layer on SQLite, as /download_license does: read the instance and the host key,
/// build the content, sign, encrypt, store the revision and the download. Each invocation issues a new revision for
/// each of <see cref="Batch"/> instances, <see cref="Workers"/> at a time; the reported time is per
/// license (OperationsPerInvoke), so licenses per second = 1 s / Mean.
/// </summary>
[MemoryDiagnoser]
[GcServer(true)] // as the portal runs (the web SDK's default); a console benchmark would otherwise use workstation GC
public class LicenseIssueBenchmarks
{
    public const int Batch = 400;

    /// <summary>
    /// How many downloads are in flight at once: one after another, one per core (the machine has two), and eight, as on
    /// a busy portal where requests wait on the database while others sign (their writes then share commits).
    /// </summary>
    [Params(1, 2, 8)]
    public int Workers { get; set; }

    private WebApplication _app = null!;
    private LicenseService _licenses = null!;
    private IDbContextFactory<AppDbContext> _db = null!;
    private PortalActor _admin = null!;
    private string[] _names = [];
    private string _folder = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _folder = Directory.CreateTempSubdirectory("lp-issue-bench-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalSetup).Assembly.GetName().Name,
            ContentRootPath = _folder,
            EnvironmentName = "Production",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:LicensePortal"] = $"Data Source={Path.Combine(_folder, "issue.db")}",
            ["Bootstrap:AdminPassword"] = "Bench-Adm1n-Passw0rd!",
            ["Licensing:KeyDirectory"] = Path.Combine(_folder, "keys"),
            // The download-window rule is not what is measured here.
            ["Licensing:DownloadLimit"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddLicensePortal();
        _app = builder.Build();
        await FirstRunSetup.RunAsync(_app.Services, TextWriter.Null);
        _licenses = _app.Services.GetRequiredService<LicenseService>();
        _db = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var users = _app.Services.GetRequiredService<UserAdminService>();
        var instances = _app.Services.GetRequiredService<InstanceService>();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var admin = await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>().FindByNameAsync("admin");
            _admin = new PortalActor(admin!.Id, "admin", PortalRole.Administrator);
        }
        var owner = (await users.CreateAsync(_admin, new UserInput("bench-owner", null, null, null, null, PortalRole.User), "Bench-Own3r-Passw0rd!")).Value!.User;
        var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1);
        _names = Enumerable.Range(0, Batch).Select(i => $"bench-{i:D4}").ToArray();
        foreach (var name in _names)
        {
            await instances.CreateAsync(_admin, new NewInstance(name, owner.Id, new InstanceQuotas(10, 5, 20, 64, 256, 2048, expires)));
            var hostInfo = HostInfoFile.Write(name, "52:54:00:12:34:56", "SN-" + name, HostKey.Generate(), DateTimeOffset.UtcNow);
            await _app.Services.GetRequiredService<HostInfoIntake>().UploadAsync(_admin, name, System.Text.Encoding.UTF8.GetBytes(hostInfo));
        }
    }

    /// <summary>Every instance's quota changes, so the next download of each is a new revision (one UPDATE, not measured).</summary>
    [IterationSetup]
    public void ChangeQuotas()
    {
        using var db = _db.CreateDbContext();
        db.Instances.ExecuteUpdate(s => s.SetProperty(i => i.MaxDesktops, i => i.MaxDesktops + 1).SetProperty(i => i.Version, Guid.NewGuid()));
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task IssueNewRevision()
    {
        await Parallel.ForEachAsync(_names, new ParallelOptions { MaxDegreeOfParallelism = Workers }, async (name, ct) =>
        {
            var result = await _licenses.GenerateAsync(_admin, name, "127.0.0.1", ct);
            if (!result.Succeeded || !result.Value!.NewRevision)
            {
                throw new InvalidOperationException($"{name}: {string.Join(", ", result.Errors.Select(e => e.Code))}");
            }
        });
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
