using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LicensePortal.Tests.Accounts;

public sealed class FirstRunSetupTests
{
    [Fact]
    public async Task First_run_creates_the_roles_and_an_administrator_whose_generated_password_is_printed_once_and_works()
    {
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Sqlite);
        using var firstOutput = new StringWriter();
        using var secondOutput = new StringWriter();

        await using (var app = Build(database))
        {
            await FirstRunSetup.RunAsync(app.Services, firstOutput);
        }
        await using var again = Build(database);
        await FirstRunSetup.RunAsync(again.Services, secondOutput);

        var printed = firstOutput.ToString();
        var password = printed.Split('\n').Single(l => l.Contains("password:", StringComparison.Ordinal)).Split("password:")[1].Trim();
        await using var scope = again.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<PortalRole>>();
        var admin = await users.FindByNameAsync("admin");
        Assert.NotNull(admin);
        Assert.True(await users.CheckPasswordAsync(admin!, password));
        Assert.True(await users.IsInRoleAsync(admin!, PortalRole.Administrator));
        Assert.Equal(Permission.User | Permission.Administer | Permission.Support, (await roles.FindByNameAsync(PortalRole.Administrator))!.Permissions);
        Assert.Equal(Permission.User | Permission.Support, (await roles.FindByNameAsync(PortalRole.Support))!.Permissions);
        Assert.Equal(Permission.User, (await roles.FindByNameAsync(PortalRole.User))!.Permissions);
        Assert.Equal(0x02, (int)Permission.User);
        Assert.Equal(0x80, (int)Permission.Administer);
        Assert.DoesNotContain(password, secondOutput.ToString(), StringComparison.Ordinal);
        Assert.Single(users.Users.ToList());
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

    private static WebApplication Build(TestDatabase database, string? password = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalSetup).Assembly.GetName().Name,
            ContentRootPath = Directory.CreateTempSubdirectory("lp-firstrun-").FullName,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:LicensePortal"] = database.ConnectionString,
            ["Bootstrap:AdminPassword"] = password,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddLicensePortal();
        return builder.Build();
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
