using BenchmarkDotNet.Attributes;
using LicensePortal.Accounts;
using LicensePortal.Benchmarks.Baselines;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LicensePortal.Benchmarks;

/// <summary>
/// Issuing licenses through the service layer on SQLite, as /download_license does: read the instance and the host key,
/// build the content, sign, encrypt, store the revision and the download. Each invocation issues a new revision for
/// each of <see cref="Batch"/> instances, <see cref="Workers"/> at a time; the reported time is per
/// license (OperationsPerInvoke), so licenses per second = 1 s / Mean. <see cref="Store"/> puts the portal's prepared
/// statements and a plain Entity Framework Core version of the same reads and writes side by side (issue 11).
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

    public const string PreparedStatements = nameof(PreparedStatements);
    public const string EfCore = nameof(EfCore);

    /// <summary>The download path's store: the portal's <see cref="DownloadStatements"/>, or <see cref="EfCoreDownloadStore"/>.</summary>
    [Params(PreparedStatements, EfCore)]
    public string Store { get; set; } = PreparedStatements;

    /// <summary>Downloads of one instance at once in setup, so that writes go stale (the check in <see cref="CheckRaceAsync"/>).</summary>
    private const int RaceDownloads = 24;
    private const string RaceName = "bench-race";

    private WebApplication _app = null!;
    private LicenseService _licenses = null!;
    private IDbContextFactory<AppDbContext> _db = null!;
    private PortalActor _admin = null!;
    private string[] _names = [];
    private string _folder = "";
    private int _rounds;

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
        var expected = Store switch
        {
            PreparedStatements => typeof(DownloadStatements),
            EfCore => typeof(EfCoreDownloadStore),
            _ => throw new InvalidOperationException($"Unknown store {Store}."),
        };
        if (Store == EfCore)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<IDownloadStore, EfCoreDownloadStore>());
        }
        _app = builder.Build();
        // One store registered, the one asked for: LicenseService and DownloadRecorder can only get that one.
        var stores = _app.Services.GetServices<IDownloadStore>().ToList();
        if (stores.Count != 1 || stores[0].GetType() != expected)
        {
            throw new InvalidOperationException($"Store {Store}: registered {string.Join(", ", stores.Select(x => x.GetType().Name))}.");
        }
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
        foreach (var name in _names.Append(RaceName))
        {
            await instances.CreateAsync(_admin, new NewInstance(name, owner.Id, new InstanceQuotas(10, 5, 20, 64, 256, 2048, expires)));
            var hostInfo = HostInfoFile.Write(name, "52:54:00:12:34:56", "SN-" + name, HostKey.Generate(), DateTimeOffset.UtcNow);
            await _app.Services.GetRequiredService<HostInfoIntake>().UploadAsync(_admin, name, System.Text.Encoding.UTF8.GetBytes(hostInfo));
        }
        await CheckRaceAsync();
    }

    /// <summary>
    /// Many downloads of one instance at once: one new revision, every other caller refused as stale, read again and
    /// served that revision. A stale write's rows saved anyway would show as extra downloads or revisions.
    /// </summary>
    private async Task CheckRaceAsync()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, RaceDownloads).Select(_ => Task.Run(() => _licenses.GenerateAsync(_admin, RaceName, "127.0.0.1"))));
        if (results.Any(r => !r.Succeeded) || results.Count(r => r.Value!.NewRevision) != 1)
        {
            throw new InvalidOperationException($"Store {Store}: {RaceDownloads} downloads of one instance at once: "
                + $"{results.Count(r => r.Succeeded)} succeeded, {results.Count(r => r.Succeeded && r.Value!.NewRevision)} new revisions.");
        }
        CheckRecorded([RaceName], revisions: 1, downloads: RaceDownloads, revisionsDownloaded: 1, generated: 1);
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
        _rounds++;
    }

    /// <summary>After every round, every instance has exactly one more revision and one more download: else no figure.</summary>
    [IterationCleanup]
    public void CheckRounds() => CheckRecorded(_names, revisions: _rounds, downloads: _rounds, revisionsDownloaded: _rounds, generated: _rounds);

    /// <summary>
    /// Throws unless each named instance has revisions 1..<paramref name="revisions"/>, <paramref name="downloads"/>
    /// download rows (as its download count says) of <paramref name="revisionsDownloaded"/> distinct revisions of its own,
    /// and one audit entry per download, <paramref name="generated"/> of them for a new revision.
    /// </summary>
    private void CheckRecorded(IReadOnlyCollection<string> names, int revisions, int downloads, int revisionsDownloaded, int generated)
    {
        using var db = _db.CreateDbContext();
        var instances = db.Instances.AsNoTracking().Select(i => new { i.Id, i.Name, i.DownloadCount }).ToList();
        var licenses = db.Licenses.GroupBy(l => l.InstanceId)
            .Select(g => new { g.Key, Count = g.Count(), First = g.Min(l => l.Revision), Last = g.Max(l => l.Revision) })
            .ToDictionary(x => x.Key);
        var recorded = db.LicenseDownloads.GroupBy(d => d.InstanceId)
            .Select(g => new { g.Key, Count = g.Count(), Revisions = g.Select(d => d.LicenseRecordId).Distinct().Count() })
            .ToDictionary(x => x.Key);
        var audit = db.AuditEntries.Where(a => a.TargetType == "instance" && (a.Action == "license.generate" || a.Action == "license.download"))
            .GroupBy(a => new { a.TargetKey, a.Action }).Select(g => new { g.Key.TargetKey, g.Key.Action, Count = g.Count() })
            .ToDictionary(x => (x.TargetKey, x.Action), x => x.Count);
        var foreign = db.LicenseDownloads.Count(d => d.LicenseRecord!.InstanceId != d.InstanceId);

        var wanted = names.ToHashSet();
        var wrong = new List<string>();
        foreach (var i in instances.Where(i => wanted.Contains(i.Name)))
        {
            var l = licenses.GetValueOrDefault(i.Id);
            var d = recorded.GetValueOrDefault(i.Id);
            var found = (Revisions: l?.Count ?? 0, First: l?.First ?? 1, Last: l?.Last ?? 0, Downloads: d?.Count ?? 0, Distinct: d?.Revisions ?? 0,
                i.DownloadCount, Generated: audit.GetValueOrDefault((i.Name, "license.generate")), Served: audit.GetValueOrDefault((i.Name, "license.download")));
            if (found != (revisions, 1, revisions, downloads, revisionsDownloaded, downloads, generated, downloads - generated))
            {
                wrong.Add($"{i.Name} {found}");
            }
        }
        var missing = wanted.Count - instances.Count(i => wanted.Contains(i.Name));
        if (wrong.Count > 0 || missing > 0 || foreign > 0)
        {
            throw new InvalidOperationException($"Store {Store}: wanted {revisions} revision(s), {downloads} download(s) of {revisionsDownloaded} revision(s), "
                + $"{generated} generated, per instance; {wrong.Count} instance(s) differ, e.g. {string.Join("; ", wrong.Take(3))}; "
                + $"{missing} missing; {foreign} download(s) of another instance's revision.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
