using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Mathematics.OutlierDetection;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LicensePortal.Benchmarks;

/// <summary>
/// One page of the instances grid and of the users grid, as an administrator sees them, on a demo database of
/// 1,000,000 instances and 100,000 users (seeded once by <see cref="DemoSeeder"/> and reused). Each iteration is a single
/// call, so Mean and P95 are those of one page load.
/// </summary>
[Config(typeof(GridBenchmarkConfig))]
public class InstanceGridBenchmarks
{
    public const int SeedUsers = 100_000;
    public const int SeedInstances = 1_000_000;
    public const string PostgresEnvironmentVariable = "LICENSEPORTAL_BENCH_POSTGRES";
    public const string SqliteEnvironmentVariable = "LICENSEPORTAL_BENCH_SQLITE";
    private const string AdminUserName = "admin";

    private WebApplication? _app;
    private InstanceService _instances = null!;
    private UserAdminService _users = null!;
    private PortalActor _admin = null!;

    [ParamsSource(nameof(Providers))]
    public DatabaseProvider Provider { get; set; }

    /// <summary>SQLite always; PostgreSQL only when LICENSEPORTAL_BENCH_POSTGRES names a server.</summary>
    public static IEnumerable<DatabaseProvider> Providers()
    {
        yield return DatabaseProvider.Sqlite;
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresEnvironmentVariable)))
        {
            Console.WriteLine($"InstanceGridBenchmarks: {PostgresEnvironmentVariable} is not set; skipping the Postgres cases.");
        }
        else
        {
            yield return DatabaseProvider.Postgres;
        }
    }

    /// <summary>The SQLite file the benchmark seeds once and reuses.</summary>
    public static string SqlitePath => Environment.GetEnvironmentVariable(SqliteEnvironmentVariable) is { Length: > 0 } path
        ? path
        : Path.Combine(Path.GetTempPath(), "licenseportal-bench", "bench.db");

    /// <summary>The server of LICENSEPORTAL_BENCH_POSTGRES, database licenseportal_bench.</summary>
    public static string PostgresConnectionString => new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresEnvironmentVariable))
    {
        Database = "licenseportal_bench",
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

        // Migrations (including any new index) and roles; then the demo data, only when the database has none yet.
        await FirstRunSetup.RunAsync(_app.Services, Console.Out);
        var seeder = _app.Services.GetRequiredService<DemoSeeder>();
        if (await seeder.HasInstancesAsync())
        {
            Console.WriteLine($"InstanceGridBenchmarks: reusing the seeded {Provider} database.");
        }
        else
        {
            await seeder.SeedAsync(new DemoSeedOptions(SeedUsers, SeedInstances), Console.Out);
        }

        _instances = _app.Services.GetRequiredService<InstanceService>();
        _users = _app.Services.GetRequiredService<UserAdminService>();
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

    /// <summary>(a) The grid as it opens: first page, sorted by name, no filter.</summary>
    [Benchmark]
    public Task<Page<InstanceRow>> FirstPageByName() => _instances.ListAsync(_admin, new InstanceQuery());

    /// <summary>(b) Status TODOWNLOAD (70% of rows), sorted by name, page 100.</summary>
    [Benchmark]
    public Task<Page<InstanceRow>> StatusToDownloadPage100() =>
        _instances.ListAsync(_admin, new InstanceQuery(Page: 100, Status: InstanceStatus.TODOWNLOAD));

    /// <summary>(c) One owner's instances, sorted by name.</summary>
    [Benchmark]
    public Task<Page<InstanceRow>> OwnerFilter() => _instances.ListAsync(_admin, new InstanceQuery(OwnerUserName: "cust4242"));

    /// <summary>(d) Name prefix "cust42" (about 11,000 matches), sorted by name.</summary>
    [Benchmark]
    public Task<Page<InstanceRow>> NamePrefix() => _instances.ListAsync(_admin, new InstanceQuery(NamePrefix: "cust42"));

    /// <summary>(e) Status EXPIRED (10% of rows), sorted by expiry, latest first.</summary>
    [Benchmark]
    public Task<Page<InstanceRow>> StatusByExpiryDescending() =>
        _instances.ListAsync(_admin, new InstanceQuery(Status: InstanceStatus.EXPIRED, SortBy: InstanceSort.ExpiresOn, Descending: true));

    /// <summary>(e') Status TODOWNLOAD, sorted by expiry, latest first.</summary>
    [Benchmark]
    public Task<Page<InstanceRow>> StatusToDownloadByExpiryDescending() =>
        _instances.ListAsync(_admin, new InstanceQuery(Status: InstanceStatus.TODOWNLOAD, SortBy: InstanceSort.ExpiresOn, Descending: true));

    /// <summary>The users grid as it opens: first page, sorted by user name.</summary>
    [Benchmark]
    public Task<ServiceResult<Page<UserRow>>> UsersFirstPage() => _users.ListAsync(_admin, new UserQuery());

    /// <summary>The users grid searched for "cust42" (user name, e-mail or organization prefix).</summary>
    [Benchmark]
    public Task<ServiceResult<Page<UserRow>>> UsersSearch() => _users.ListAsync(_admin, new UserQuery(Search: "cust42"));
}

/// <summary>
/// One call per iteration (5 warm-up, 30 measured, one process per case, no outlier removal): Mean and P95 are then
/// those of single page loads rather than of averages. Smaller than BenchmarkDotNet's default job.
/// </summary>
public sealed class GridBenchmarkConfig : ManualConfig
{
    public GridBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(30)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            // Slow calls are the point of a P95: keep them.
            .WithOutlierMode(OutlierMode.DontRemove)
            .WithId("SingleCall"));
        AddColumn(StatisticColumn.P95, StatisticColumn.Min, StatisticColumn.Max);
        // The default two minutes are not enough to build the generated project while other builds load the machine.
        WithBuildTimeout(TimeSpan.FromMinutes(10));
    }
}
