using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LicensePortal.Tests.Accounts;

public sealed class FirstRunSetupTests
{
    [Fact]
    public async Task First_run_creates_the_roles_and_an_administrator_whose_generated_password_goes_to_a_private_file_and_must_be_changed()
    {
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Sqlite);
        using var firstOutput = new StringWriter();
        using var secondOutput = new StringWriter();
        var logs = new CapturedLogs();
        var contentRoot = Directory.CreateTempSubdirectory("lp-firstrun-").FullName;

        await using (var app = Build(database, contentRoot: contentRoot, logs: logs))
        {
            await FirstRunSetup.RunAsync(app.Services, firstOutput);
        }
        await using var again = Build(database, contentRoot: contentRoot, logs: logs);
        await FirstRunSetup.RunAsync(again.Services, secondOutput);

        // The password is in data/first-admin-password.txt, readable by the portal's user only; the console names the file.
        var file = Path.Combine(contentRoot, "data", "first-admin-password.txt");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, (!OperatingSystem.IsWindows() ? File.GetUnixFileMode(file) : throw new PlatformNotSupportedException("file modes are a Unix matter")));
        var password = File.ReadAllLines(file).Single(l => l.StartsWith("password:", StringComparison.Ordinal))["password:".Length..].Trim();
        Assert.Contains(file, firstOutput.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, firstOutput.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, secondOutput.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, logs.Text, StringComparison.Ordinal);

        await using var scope = again.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<PortalRole>>();
        var admin = await users.FindByNameAsync("admin");
        Assert.NotNull(admin);
        Assert.True(await users.CheckPasswordAsync(admin!, password));
        Assert.True(admin!.MustChangePassword, "a generated password must be changed at the first sign-in");
        Assert.True(await users.IsInRoleAsync(admin!, PortalRole.Administrator));
        Assert.Equal(Permission.User | Permission.Administer | Permission.Support, (await roles.FindByNameAsync(PortalRole.Administrator))!.Permissions);
        Assert.Equal(Permission.User | Permission.Support, (await roles.FindByNameAsync(PortalRole.Support))!.Permissions);
        Assert.Equal(Permission.User, (await roles.FindByNameAsync(PortalRole.User))!.Permissions);
        Assert.Equal(0x02, (int)Permission.User);
        Assert.Equal(0x80, (int)Permission.Administer);
        Assert.Single(users.Users.ToList());
    }

    [Fact]
    public async Task A_configured_password_is_used_as_given_written_nowhere_and_not_forced_to_change()
    {
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Sqlite);
        var contentRoot = Directory.CreateTempSubdirectory("lp-firstrun-").FullName;
        using var output = new StringWriter();

        await using var app = Build(database, password: "Configured-Passw0rd!", contentRoot: contentRoot);
        await FirstRunSetup.RunAsync(app.Services, output);

        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var admin = (await users.FindByNameAsync("admin"))!;
        Assert.True(await users.CheckPasswordAsync(admin, "Configured-Passw0rd!"));
        Assert.False(admin.MustChangePassword);
        Assert.False(File.Exists(Path.Combine(contentRoot, "data", "first-admin-password.txt")));
        Assert.DoesNotContain("Configured-Passw0rd!", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_administrator_an_existing_account_of_the_bootstrap_name_is_promoted_and_keeps_its_password()
    {
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Sqlite);
        await using (var app = Build(database, password: "First-Adm1n-Passw0rd!"))
        {
            await FirstRunSetup.RunAsync(app.Services, TextWriter.Null);
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var admin = (await users.FindByNameAsync("admin"))!;
            await users.RemoveFromRoleAsync(admin, PortalRole.Administrator);
            await users.AddToRoleAsync(admin, PortalRole.User);
        }
        using var output = new StringWriter();

        await using var again = Build(database, password: "Other-Passw0rd-Ignored!");
        await FirstRunSetup.RunAsync(again.Services, output);

        await using var check = again.Services.CreateAsyncScope();
        var manager = check.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var promoted = (await manager.FindByNameAsync("admin"))!;
        Assert.Equal([PortalRole.Administrator], await manager.GetRolesAsync(promoted));
        Assert.True(await manager.CheckPasswordAsync(promoted, "First-Adm1n-Passw0rd!"));
        Assert.Contains("is now an administrator", output.ToString(), StringComparison.Ordinal);
    }

    private static WebApplication Build(TestDatabase database, string? password = null, string? contentRoot = null, CapturedLogs? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalSetup).Assembly.GetName().Name,
            ContentRootPath = contentRoot ?? Directory.CreateTempSubdirectory("lp-firstrun-").FullName,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:LicensePortal"] = database.ConnectionString,
            ["Bootstrap:AdminPassword"] = password,
            ["Logging:LogLevel:Default"] = logs is null ? "Warning" : "Trace",
        });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.AddLicensePortal();
        return builder.Build();
    }

    /// <summary>Everything logged, at every level, as text.</summary>
    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        private readonly System.Text.StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_text)
            {
                _text.AppendLine(formatter(state, exception)).AppendLine(exception?.ToString());
            }
        }

        public void Dispose()
        {
        }
    }
}

public sealed class UserRoleIsReadOneWay
{
    [Theory]
    [InlineData(new string[0], "User")]
    [InlineData(new[] { "User" }, "User")]
    [InlineData(new[] { "Support", "User" }, "Support")]
    [InlineData(new[] { "User", "Administrator", "Support" }, "Administrator")]
    public void The_most_privileged_of_a_users_roles_counts(string[] roles, string expected)
    {
        Assert.Equal(expected, LicensePortal.Data.PortalRole.Effective(roles));
    }

    [Fact]
    public void Role_names_sort_in_privilege_order_so_the_sql_projections_agree_with_the_rule()
    {
        var names = LicensePortal.Data.PortalRole.BuiltIn.Select(r => r.Name).ToArray();

        // Every set of roles a user could hold: "first by name" (what the listings' SQL takes) is the rule's answer.
        for (var mask = 1; mask < 1 << names.Length; mask++)
        {
            var held = names.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            Assert.Equal(LicensePortal.Data.PortalRole.Effective(held), held.Order(StringComparer.Ordinal).First());
        }
    }
}
