using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// Two administrators read the same account and both change it with the version they read: the first change is stored,
/// the second is refused with 409 and the account as stored now, in the caller's language, and none of it is stored.
/// </summary>
public sealed class AStaleAccountVersionIsRefusedWithTheCurrentValues
{
    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_second_of_two_edits_from_the_same_read_is_refused_and_not_stored(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await Portal.StartAsync(provider);
        var (first, second) = await portal.TwoAdministratorsAsync();
        var carol = await portal.CreateUserAsync("carol");
        second.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        var readByFirst = await ApiTestKit.JsonAsync(await first.GetAsync(new Uri($"/api/v1/users/{carol}", UriKind.Relative)), HttpStatusCode.OK);
        var readBySecond = await ApiTestKit.JsonAsync(await second.GetAsync(new Uri($"/api/v1/users/{carol}", UriKind.Relative)), HttpStatusCode.OK);
        var version = readByFirst.GetProperty("version").GetString();
        Assert.Equal(version, readBySecond.GetProperty("version").GetString());

        using var won = await first.PutAsJsonAsync($"/api/v1/users/{carol}", new { organization = "Globex", version });
        var stored = await ApiTestKit.JsonAsync(won, HttpStatusCode.OK);
        Assert.NotEqual(version, stored.GetProperty("version").GetString());

        // The second administrator changes other fields too (role, activation, e-mail): none of it may be stored.
        using var lost = await second.PutAsJsonAsync($"/api/v1/users/{carol}",
            new { organization = "Initech", role = "Support", isActive = false, email = "carol@initech.example", version });
        var conflict = await ApiTestKit.ProblemAsync(lost, HttpStatusCode.Conflict, "Error.Conflict", "version");
        Assert.Equal("Someone else saved a change first; nothing was saved.", conflict.GetProperty("detail").GetString());
        var current = conflict.GetProperty("current");
        Assert.Equal("Globex", current.GetProperty("organization").GetString());
        Assert.Equal(stored.GetProperty("version").GetString(), current.GetProperty("version").GetString());

        var after = await ApiTestKit.JsonAsync(await first.GetAsync(new Uri($"/api/v1/users/{carol}", UriKind.Relative)), HttpStatusCode.OK);
        AssertSameAccount(stored, after);
        Assert.Equal("User", after.GetProperty("role").GetString());
        Assert.True(after.GetProperty("isActive").GetBoolean());
        Assert.Equal(1, await portal.AuditCountAsync("user.update"));
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deactivating_with_a_stale_version_is_refused_in_chinese_and_not_stored(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await Portal.StartAsync(provider);
        var (first, second) = await portal.TwoAdministratorsAsync();
        var carol = await portal.CreateUserAsync("carol");
        second.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");
        var read = await ApiTestKit.JsonAsync(await second.GetAsync(new Uri($"/api/v1/users/{carol}", UriKind.Relative)), HttpStatusCode.OK);
        var version = read.GetProperty("version").GetString();

        using var won = await first.PutAsJsonAsync($"/api/v1/users/{carol}", new { phone = "13800138000", version });
        var stored = await ApiTestKit.JsonAsync(won, HttpStatusCode.OK);
        using var lost = await second.PutAsJsonAsync($"/api/v1/users/{carol}/status", new { isActive = false, version });

        var conflict = await ApiTestKit.ProblemAsync(lost, HttpStatusCode.Conflict, "Error.Conflict", "version");
        Assert.Equal("他人已先保存了修改，您的修改未保存。", conflict.GetProperty("detail").GetString());
        Assert.Equal("+8613800138000", conflict.GetProperty("current").GetProperty("phone").GetString()); // the seed's form, stored in E.164
        var after = await ApiTestKit.JsonAsync(await first.GetAsync(new Uri($"/api/v1/users/{carol}", UriKind.Relative)), HttpStatusCode.OK);
        AssertSameAccount(stored, after);
        Assert.Equal(0, await portal.AuditCountAsync("user.deactivate"));

        // With the version it now has, the same request goes through.
        using var retried = await second.PutAsJsonAsync($"/api/v1/users/{carol}/status", new { isActive = false, version = after.GetProperty("version").GetString() });
        Assert.False((await ApiTestKit.JsonAsync(retried, HttpStatusCode.OK)).GetProperty("isActive").GetBoolean());
    }

    private static void AssertSameAccount(JsonElement expected, JsonElement actual) => Assert.Equal(expected.GetRawText(), actual.GetRawText());

    /// <summary>The whole portal in memory on a fresh database of <see cref="DatabaseProvider"/>.</summary>
    private sealed class Portal : IAsyncDisposable
    {
        private readonly PortalWebFactory _root;
        private readonly TestDatabase _database;
        private readonly List<HttpClient> _clients = [];

        private Portal(PortalWebFactory root, WebApplicationFactory<Program> factory, TestDatabase database)
        {
            _root = root;
            Factory = factory;
            _database = database;
        }

        public WebApplicationFactory<Program> Factory { get; }

        public static async Task<Portal> StartAsync(DatabaseProvider provider)
        {
            var database = await TestDatabases.CreateAsync(provider);
            var root = new PortalWebFactory();
            // Later settings win: the same portal, on this provider's database.
            var factory = root.WithWebHostBuilder(b =>
            {
                b.UseSetting("Database:Provider", provider.ToString());
                b.UseSetting("ConnectionStrings:LicensePortal", database.ConnectionString);
            });
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                // Make sure the override took: this portal runs on the database it was given.
                var name = scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ProviderName ?? "";
                Assert.Contains(provider == DatabaseProvider.Postgres ? "Npgsql" : "Sqlite", name, StringComparison.Ordinal);
            }
            return new Portal(root, factory, database);
        }

        /// <summary>API clients of the first administrator and of a second one.</summary>
        public async Task<(HttpClient First, HttpClient Second)> TwoAdministratorsAsync()
        {
            var admin = await AdminAsync();
            var other = await CreateUserAsync("admin2", PortalRole.Administrator);
            var first = await ApiTestKit.ClientAsync(Factory, admin);
            var second = await ApiTestKit.ClientAsync(Factory, new PortalActor(other, "admin2", PortalRole.Administrator));
            _clients.Add(first);
            _clients.Add(second);
            return (first, second);
        }

        public async Task<string> CreateUserAsync(string userName, string role = PortalRole.User)
        {
            var result = await Factory.Services.GetRequiredService<UserAdminService>().CreateAsync(
                await AdminAsync(), new UserInput(userName, $"{userName}@example.com", null, "Acme", null, role), "Us3r-Passw0rd!");
            Assert.True(result.Succeeded, string.Join(",", result.Errors.Select(e => e.Code)));
            return result.Value!.User.Id;
        }

        public async Task<int> AuditCountAsync(string action)
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            return await db.AuditEntries.CountAsync(e => e.Action == action);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
            await Factory.DisposeAsync();
            await _root.DisposeAsync();
            await _database.DisposeAsync();
        }

        private async Task<PortalActor> AdminAsync()
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var admin = await users.FindByNameAsync(PortalWebFactory.AdminUserName) ?? throw new InvalidOperationException("no bootstrap admin");
            return new PortalActor(admin.Id, admin.UserName!, PortalRole.Administrator);
        }
    }
}
