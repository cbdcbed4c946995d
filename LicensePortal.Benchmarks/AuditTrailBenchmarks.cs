using BenchmarkDotNet.Attributes;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LicensePortal.Benchmarks;

/// <summary>
/// One page of the audit page (<see cref="AuditService.ListAsync"/>: the capped total and 50 entries, newest first) on
/// 10,000,000 audit entries over a year, 10,000 customers and 100,000 instances, seeded once by <see cref="DemoSeeder"/>
/// (or beforehand by <c>seed-demo --audit-entries</c>) and reused. One call per iteration (<see cref="GridBenchmarkConfig"/>).
/// </summary>
[Config(typeof(GridBenchmarkConfig))]
public class AuditTrailBenchmarks
{
    public const int SeedUsers = 10_000;
    public const int SeedInstances = 100_000;
    public const int SeedAuditEntries = 10_000_000;
    public const string SqliteEnvironmentVariable = "LICENSEPORTAL_BENCH_AUDIT_SQLITE";
    private const string AdminUserName = "admin";

    private WebApplication? _app;
    private AuditService _audit = null!;
    private PortalActor _admin = null!;
    private DateTime _newest;

    [ParamsSource(nameof(Providers))]
    public DatabaseProvider Provider { get; set; }

    public static IEnumerable<DatabaseProvider> Providers() => InstanceGridBenchmarks.Providers();

    /// <summary>The SQLite file the benchmark seeds once and reuses.</summary>
    public static string SqlitePath => Environment.GetEnvironmentVariable(SqliteEnvironmentVariable) is { Length: > 0 } path
        ? path
        : Path.Combine(Path.GetTempPath(), "licenseportal-bench", "audit.db");

    /// <summary>The server of LICENSEPORTAL_BENCH_POSTGRES, database licenseportal_bench_audit.</summary>
    public static string PostgresConnectionString => new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(InstanceGridBenchmarks.PostgresEnvironmentVariable))
    {
        Database = "licenseportal_bench_audit",
    }.ConnectionString;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Provider == DatabaseProvider.Sqlite ? $"Data Source={SqlitePath}" : PostgresConnectionString;
        var contentRoot = Directory.CreateTempSubdirectory("lp-bench-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalSetup).Assembly.GetName().Name,
            ContentRootPath = contentRoot,
            EnvironmentName = "Production",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = Provider.ToString(),
            ["ConnectionStrings:LicensePortal"] = connectionString,
            ["Bootstrap:AdminUserName"] = AdminUserName,
            ["Bootstrap:AdminPassword"] = "Bench-Adm1n-Passw0rd!",
            ["Licensing:KeyDirectory"] = Path.Combine(contentRoot, "keys"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddLicensePortal();
        _app = builder.Build();

        await FirstRunSetup.RunAsync(_app.Services, Console.Out);
        var dbFactory = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            // Any earlier seed is reused, also a partial one (its rows are committed in order, at the full trail's density).
            if (!await db.AuditEntries.AnyAsync())
            {
                await _app.Services.GetRequiredService<DemoSeeder>().SeedAsync(
                    new DemoSeedOptions(SeedUsers, SeedInstances, Append: true) { AuditEntries = SeedAuditEntries }, Console.Out);
            }
            else
            {
                Console.WriteLine($"AuditTrailBenchmarks: reusing the seeded {Provider} database.");
            }
            _newest = await db.AuditEntries.MaxAsync(e => e.At);
        }

        _audit = _app.Services.GetRequiredService<AuditService>();
        await using var scope = _app.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(AdminUserName)
            ?? throw new InvalidOperationException("no administrator");
        _admin = new PortalActor(admin.Id, AdminUserName, PortalRole.Administrator);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>The page as it opens: the newest 50 of 10,000,000.</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> LatestFirst() => _audit.ListAsync(_admin, new AuditQuery());

    /// <summary>The deepest page the pager reaches: the total stops at 10,000, so page 200 of 50 (entries 9,951-10,000).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> LastReachablePage() =>
        _audit.ListAsync(_admin, new AuditQuery(Page: AuditService.TotalCountCap / 50 - 1));

    /// <summary>One instance's history, type and name (about 77 entries).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByTarget() =>
        _audit.ListAsync(_admin, new AuditQuery { TargetType = "instance", TargetKey = "cust4242-site3" });

    /// <summary>The same, with only the target box filled in.</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByTargetNameOnly() =>
        _audit.ListAsync(_admin, new AuditQuery { TargetKey = "cust4242-site3" });

    /// <summary>One operator's changes (about 220,000 entries: 2.2% of the trail).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByStaffActor() => _audit.ListAsync(_admin, new AuditQuery { ActorUserName = "ops03" });

    /// <summary>One customer's own traffic (about 780 entries).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByCustomerActor() => _audit.ListAsync(_admin, new AuditQuery { ActorUserName = "cust4242" });

    /// <summary>The commonest action the filter offers (license.download, 28%).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByCommonAction() => _audit.ListAsync(_admin, new AuditQuery { ActionPrefix = "license.download" });

    /// <summary>A rare one (user.delete, 0.06%: about 6,000 entries).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByRareAction() => _audit.ListAsync(_admin, new AuditQuery { ActionPrefix = "user.delete" });

    /// <summary>A family prefix, as the API allows: every "user." action (3.4%).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByActionFamily() => _audit.ListAsync(_admin, new AuditQuery { ActionPrefix = "user." });

    /// <summary>One day, 30 days before the newest entry (about 27,000 entries), newest first.</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByDateRange() =>
        _audit.ListAsync(_admin, new AuditQuery { From = _newest.Date.AddDays(-30), To = _newest.Date.AddDays(-29) });

    /// <summary>One operator in one month (60 to 30 days before the newest entry), the page's filters combined.</summary>
    [Benchmark]
    public Task<ServiceResult<Page<AuditRow>>> ByActorAndMonth() =>
        _audit.ListAsync(_admin, new AuditQuery { ActorUserName = "ops03", From = _newest.Date.AddDays(-60), To = _newest.Date.AddDays(-30) });
}
