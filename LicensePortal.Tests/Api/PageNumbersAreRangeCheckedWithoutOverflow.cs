using System.Net;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// A page number past <see cref="Paging.MaxPage"/> is a 400 on field page, and no page number wraps the offset round:
/// page 2147483647 once answered the first page on SQLite (page * pageSize overflowed) and a 500 on PostgreSQL.
/// </summary>
public sealed class PageNumbersAreRangeCheckedWithoutOverflow
{
    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_api_refuses_pages_outside_its_range_and_the_last_allowed_page_is_empty(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var portal = new PortalWebFactory();
        await using var factory = portal.WithWebHostBuilder(b => b
            .UseSetting("Database:Provider", provider.ToString())
            .UseSetting("ConnectionStrings:LicensePortal", database.ConnectionString));
        var admin = await AdminAsync(factory);
        using var client = await ApiTestKit.ClientAsync(factory, admin);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var quotas = new InstanceQuotas(1, 1, 1, 1, 1, 1, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1));
        Assert.True((await factory.Services.GetRequiredService<InstanceService>().CreateAsync(admin, new NewInstance("paged", admin.UserId, quotas))).Succeeded);

        foreach (var path in new[] { "/api/v1/instances", "/api/v1/users" })
        {
            foreach (var page in new[] { "2147483647", $"{Paging.MaxPage + 1}", "-1" })
            {
                using var refused = await client.GetAsync(new Uri($"{path}?page={page}&pageSize=200", UriKind.Relative));
                var problem = await ApiTestKit.ProblemAsync(refused, HttpStatusCode.BadRequest, "Error.PageRange", "page");
                Assert.Contains("1000000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
            using var last = await client.GetAsync(new Uri($"{path}?page={Paging.MaxPage}&pageSize=200", UriKind.Relative));
            var body = await ApiTestKit.JsonAsync(last, HttpStatusCode.OK);
            Assert.Equal(0, body.GetProperty("items").GetArrayLength());
            Assert.True(body.GetProperty("totalCount").GetInt32() >= 1);
            using var first = await client.GetAsync(new Uri($"{path}?page=0&pageSize=200", UriKind.Relative));
            Assert.NotEqual(0, (await ApiTestKit.JsonAsync(first, HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_services_answer_an_empty_page_for_the_largest_page_number(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        await portal.CreateInstanceAsync("paged-service", admin);

        var instances = await portal.Get<InstanceService>().ListAsync(admin, new InstanceQuery(int.MaxValue, 200));
        Assert.Empty(instances.Items);
        Assert.Equal(1, instances.TotalCount);
        var users = (await portal.Get<UserAdminService>().ListAsync(admin, new UserQuery(int.MaxValue, 200))).Value!;
        Assert.Empty(users.Items);
        Assert.Equal(1, users.TotalCount);
        var dashboard = portal.Get<DashboardService>();
        Assert.Empty((await dashboard.RecentlyChangedAsync(admin, null, null, int.MaxValue, 200)).Items);
        Assert.Empty((await dashboard.NotSeenAsync(admin, 1, null, null, int.MaxValue, 200)).Items);
        var audit = (await portal.Get<AuditService>().ListAsync(admin, new AuditQuery(int.MaxValue, 200))).Value!;
        Assert.Empty(audit.Items);
        Assert.True(audit.TotalCount >= 1);
    }

    private static async Task<PortalActor> AdminAsync(WebApplicationFactory<Program> factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(PortalWebFactory.AdminUserName);
        return new PortalActor(admin!.Id, PortalWebFactory.AdminUserName, PortalRole.Administrator);
    }
}
