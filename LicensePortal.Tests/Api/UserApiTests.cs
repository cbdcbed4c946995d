using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Api;

/// <summary>/api/v1/users: the seed's user actions for administrators; read-only for support; closed to customers.</summary>
public sealed class UserApiTests
{
    [Fact]
    public async Task An_administrator_creates_reads_updates_deactivates_and_deletes_an_account()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var create = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "erin", email = "erin@example.com", organization = "Acme", role = "User" });
        var created = await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        Assert.True(created.GetProperty("initialPassword").GetString()!.Length >= 10);
        var user = created.GetProperty("user");
        var id = user.GetProperty("id").GetString();
        Assert.Equal("erin", user.GetProperty("userName").GetString());
        Assert.Equal("User", user.GetProperty("role").GetString());
        Assert.True(user.GetProperty("isActive").GetBoolean());

        var got = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri($"/api/v1/users/{id}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal("erin@example.com", got.GetProperty("email").GetString());

        using var update = await admin.PutAsJsonAsync($"/api/v1/users/{id}", new { organization = "Globex", role = "Support", confirmed = true });
        var updated = await ApiTestKit.JsonAsync(update, HttpStatusCode.OK);
        Assert.Equal("Globex", updated.GetProperty("organization").GetString());
        Assert.Equal("Support", updated.GetProperty("role").GetString());
        Assert.Equal("erin@example.com", updated.GetProperty("email").GetString());

        using var status = await admin.PutAsJsonAsync($"/api/v1/users/{id}/status", new { isActive = false });
        Assert.False((await ApiTestKit.JsonAsync(status, HttpStatusCode.OK)).GetProperty("isActive").GetBoolean());

        using var delete = await admin.DeleteAsync(new Uri($"/api/v1/users/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await admin.GetAsync(new Uri($"/api/v1/users/{id}", UriKind.Relative));
        await ApiTestKit.ProblemAsync(gone, HttpStatusCode.NotFound, "Error.NotFound");
    }

    [Fact]
    public async Task A_given_password_is_not_echoed()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var create = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "erin", role = "User", password = "Erin-Passw0rd!!" });

        var created = await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("initialPassword").ValueKind);
        Assert.DoesNotContain("Erin-Passw0rd!!", created.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "User", "userName", "Error.Required", HttpStatusCode.UnprocessableEntity)]
    [InlineData("admin", "User", "userName", "Error.DuplicateUserName", HttpStatusCode.Conflict)]
    [InlineData("frank", "Wizard", "role", "Error.UnknownRole", HttpStatusCode.UnprocessableEntity)]
    public async Task Account_input_is_validated(string userName, string role, string field, string code, HttpStatusCode status)
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await admin.PostAsJsonAsync("/api/v1/users", new { userName, role });

        await ApiTestKit.ProblemAsync(response, status, code, field);
    }

    [Fact]
    public async Task A_weak_password_is_refused_on_the_password_field()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "gina", role = "User", password = "short" });

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "Error.PasswordPolicy", "password");
    }

    [Theory]
    [InlineData("?page=-1", "page", "Error.PageRange")]
    [InlineData("?pageSize=0", "pageSize", "Error.PageSizeRange")]
    [InlineData("?pageSize=201", "pageSize", "Error.PageSizeRange")]
    [InlineData("?sortBy=height", "sortBy", "Error.InvalidValue")]
    public async Task Paging_parameters_are_validated(string query, string field, string code)
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await admin.GetAsync(new Uri("/api/v1/users" + query, UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, code, field);
    }

    [Fact]
    public async Task Listing_pages_and_searches()
    {
        await using var factory = new PortalWebFactory();
        foreach (var name in new[] { "amy", "bob", "bea", "cid" })
        {
            await factory.CreateUserAsync(name);
        }
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        var page = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri("/api/v1/users?page=1&pageSize=2", UriKind.Relative)), HttpStatusCode.OK);
        var search = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri("/api/v1/users?search=b", UriKind.Relative)), HttpStatusCode.OK);

        Assert.Equal(5, page.GetProperty("totalCount").GetInt32());
        Assert.Equal(["bea", "bob"], page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userName").GetString()!).ToArray());
        Assert.Equal(["bea", "bob"], search.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userName").GetString()!).ToArray());
    }

    [Fact]
    public async Task Support_reads_but_cannot_write()
    {
        await using var factory = new PortalWebFactory();
        var (support, _) = await factory.CreateUserAsync("sam", PortalRole.Support);
        var (carol, _) = await factory.CreateUserAsync("carol");
        using var client = await ApiTestKit.ClientAsync(factory, support);

        using var list = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative));
        using var create = await client.PostAsJsonAsync("/api/v1/users", new { userName = "x", role = "User" });
        using var update = await client.PutAsJsonAsync($"/api/v1/users/{carol.UserId}", new { organization = "x" });
        using var status = await client.PutAsJsonAsync($"/api/v1/users/{carol.UserId}/status", new { isActive = false });
        using var delete = await client.DeleteAsync(new Uri($"/api/v1/users/{carol.UserId}", UriKind.Relative));
        using var bulk = await ApiTestKit.DeleteJsonAsync(client, "/api/v1/users", new { ids = new[] { carol.UserId } });

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        await ApiTestKit.ProblemAsync(create, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(update, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(status, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(delete, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(bulk, HttpStatusCode.Forbidden, "Error.Forbidden");
    }

    [Fact]
    public async Task A_customer_sees_only_their_own_account()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        var (dave, _) = await factory.CreateUserAsync("dave");
        using var client = await ApiTestKit.ClientAsync(factory, carol);

        using var list = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative));
        using var self = await client.GetAsync(new Uri($"/api/v1/users/{carol.UserId}", UriKind.Relative));
        using var other = await client.GetAsync(new Uri($"/api/v1/users/{dave.UserId}", UriKind.Relative));

        await ApiTestKit.ProblemAsync(list, HttpStatusCode.Forbidden, "Error.Forbidden");
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        await ApiTestKit.ProblemAsync(other, HttpStatusCode.NotFound, "Error.NotFound");
    }

    [Fact]
    public async Task Bulk_delete_reports_each_account()
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        var (carol, _) = await factory.CreateUserAsync("carol");
        using var client = await ApiTestKit.ClientAsync(factory, admin);

        using var response = await ApiTestKit.DeleteJsonAsync(client, "/api/v1/users", new { ids = new[] { carol.UserId, "no-such-id", admin.UserId } });

        var results = (await ApiTestKit.JsonAsync(response, HttpStatusCode.OK)).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        Assert.True(results[0].GetProperty("succeeded").GetBoolean());
        Assert.Equal("Error.NotFound", results[1].GetProperty("code").GetString());
        Assert.Equal("Error.CannotDeleteSelf", results[2].GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(results[2].GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Bulk_delete_needs_ids()
    {
        await using var factory = new PortalWebFactory();
        using var client = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await ApiTestKit.DeleteJsonAsync(client, "/api/v1/users", new { ids = Array.Empty<string>() });

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, "Error.Required", "ids");
    }

    [Fact]
    public async Task The_last_administrator_cannot_be_demoted()
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        using var client = await ApiTestKit.ClientAsync(factory, admin);

        using var response = await client.PutAsJsonAsync($"/api/v1/users/{admin.UserId}", new { role = "User" });

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Conflict, "Error.LastAdministrator", "role");
    }
}
