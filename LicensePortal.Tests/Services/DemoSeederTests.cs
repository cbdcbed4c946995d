using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Services;

/// <summary>The seed-demo data is real portal data: Identity accounts in role User, valid instances, no double seed.</summary>
public sealed class DemoSeederTests
{
    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Seeds_accounts_and_instances_the_portal_can_read(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var seeder = portal.Get<DemoSeeder>();

        var result = await seeder.SeedAsync(new DemoSeedOptions(50, 400), TextWriter.Null);

        Assert.True(result.Seeded);
        var admin = await portal.AdminAsync();
        var page = await portal.Get<InstanceService>().ListAsync(admin, new InstanceQuery(PageSize: 200, OwnerUserName: "cust2"));
        Assert.Equal(page.TotalCount, page.Items.Count);
        Assert.All(page.Items, i => Assert.StartsWith("cust2-site", i.Name, StringComparison.Ordinal));
        var all = await portal.Get<InstanceService>().ListAsync(admin, new InstanceQuery());
        Assert.Equal(400, all.TotalCount);
        Assert.False(all.TotalCapped);

        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var customer = await users.FindByNameAsync("CUST2");
        Assert.NotNull(customer);
        Assert.Null(customer.PasswordHash);
        Assert.False(string.IsNullOrEmpty(customer.SecurityStamp));
        Assert.Equal([PortalRole.User], await users.GetRolesAsync(customer));
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var names = await db.Instances.Select(i => new { i.Name, i.NormalizedName }).ToListAsync();
        Assert.Equal(400, names.Select(n => n.NormalizedName).Distinct().Count());
        Assert.All(names, n => Assert.Equal(n.Name.ToUpperInvariant(), n.NormalizedName));
        Assert.Equal(51, await db.Users.CountAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Refuses_a_database_with_instances_unless_appending(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var seeder = portal.Get<DemoSeeder>();
        await seeder.SeedAsync(new DemoSeedOptions(5, 20), TextWriter.Null);

        var refused = await seeder.SeedAsync(new DemoSeedOptions(5, 20), TextWriter.Null);
        var appended = await seeder.SeedAsync(new DemoSeedOptions(5, 20, Append: true), TextWriter.Null);

        Assert.False(refused.Seeded);
        Assert.True(appended.Seeded);
        var total = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery());
        Assert.Equal(40, total.TotalCount);
    }

    [Fact]
    public async Task The_instances_total_stops_counting_at_the_cap()
    {
        await using var portal = await PortalServices.StartAsync();
        await portal.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(100, InstanceService.TotalCountCap + 50), TextWriter.Null);

        var page = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery());

        Assert.Equal(InstanceService.TotalCountCap, page.TotalCount);
        Assert.True(page.TotalCapped);
        Assert.Equal(25, page.Items.Count);
    }

    [Fact]
    public void Parses_the_command_line()
    {
        var options = DemoSeedOptions.Parse(["seed-demo", "--users", "100000", "--instances", "1000000", "--append"]);

        Assert.Equal(new DemoSeedOptions(100_000, 1_000_000, Append: true), options);
        Assert.Throws<ArgumentException>(() => DemoSeedOptions.Parse(["seed-demo", "--users", "0", "--instances", "5"]));
    }
}
