using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// The portal's real service wiring (PortalSetup.AddLicensePortal) on a throwaway database, migrated and seeded by the
/// real first-run setup, without a web server. The clock is a FakeTimeProvider the test can move.
/// </summary>
public sealed class PortalServices : IAsyncDisposable
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "Adm1n-Passw0rd!";

    private readonly WebApplication _app;
    private readonly TestDatabase _database;

    private readonly bool _ownsDatabase;

    private PortalServices(WebApplication app, TestDatabase database, FakeTimeProvider time, bool ownsDatabase)
    {
        _app = app;
        _database = database;
        Time = time;
        _ownsDatabase = ownsDatabase;
    }

    public IServiceProvider Services => _app.Services;

    public FakeTimeProvider Time { get; }

    public DatabaseProvider Provider => _database.Provider;

    /// <summary>
    /// Starts the services on a new database, or on <paramref name="shared"/> (a second portal node; the caller disposes it),
    /// with <paramref name="settings"/> added to the configuration.
    /// </summary>
    public static async Task<PortalServices> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, Action<IServiceCollection>? configure = null, TestDatabase? shared = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = shared ?? await TestDatabases.CreateAsync(provider);
        var contentRoot = Directory.CreateTempSubdirectory("lp-root-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalSetup).Assembly.GetName().Name,
            ContentRootPath = contentRoot,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:LicensePortal"] = database.ConnectionString,
            ["Bootstrap:AdminUserName"] = AdminUserName,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Licensing:KeyDirectory"] = Path.Combine(contentRoot, "keys"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.AddLicensePortal();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));
        builder.Services.AddSingleton<TimeProvider>(time);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        await FirstRunSetup.RunAsync(app.Services, TextWriter.Null);
        return new PortalServices(app, database, time, ownsDatabase: shared is null);
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>The first administrator, as first run created it.</summary>
    public async Task<PortalActor> AdminAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var admin = await users.FindByNameAsync(AdminUserName) ?? throw new InvalidOperationException("no bootstrap admin");
        return new PortalActor(admin.Id, AdminUserName, PortalRole.Administrator);
    }

    /// <summary>Creates an account through the real service, as an administrator would.</summary>
    public async Task<PortalActor> CreateUserAsync(string userName, string role = PortalRole.User, string? password = "Us3r-Passw0rd!")
    {
        var result = await Get<UserAdminService>().CreateAsync(await AdminAsync(), new UserInput(userName, $"{userName}@example.com", null, "Acme", null, role), password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"creating {userName} failed: {string.Join(", ", result.Errors.Select(e => e.Code))}");
        }
        return new PortalActor(result.Value!.User.Id, userName, role);
    }

    /// <summary>Creates an instance through the real service, expiring a year from the fake clock's today.</summary>
    public async Task<InstanceRow> CreateInstanceAsync(string name, PortalActor owner, int desktops = 10)
    {
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        var quotas = new InstanceQuotas(desktops, 5, 20, 64, 256, 2048, today.AddYears(1));
        var result = await Get<InstanceService>().CreateAsync(await AdminAsync(), new NewInstance(name, owner.UserId, quotas));
        return result.Succeeded ? result.Value! : throw new InvalidOperationException($"creating {name} failed: {string.Join(", ", result.Errors.Select(e => e.Code))}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        if (_ownsDatabase)
        {
            await _database.DisposeAsync();
        }
    }
}
