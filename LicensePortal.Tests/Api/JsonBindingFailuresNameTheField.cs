using System.Net;
using System.Text;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// A body the API cannot bind (a value of the wrong type, null where a value is needed, broken JSON, no body) is a 400
/// problem with a stable code, the property as the client wrote it in <c>field</c>, and a message in the caller's
/// language; nothing is saved.
/// </summary>
public sealed class JsonBindingFailuresNameTheField
{
    [Fact]
    public async Task Creating_an_instance_with_a_string_quota_or_a_date_time_expiry_names_the_property()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (owner, _) = await factory.CreateUserAsync("owner-json");

        using var quota = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances",
            $$"""{"name":"json-1","ownerId":"{{owner.UserId}}","maxDesktops":"5","expiresAt":"2030-01-31"}""", "en");
        var problem = await ApiTestKit.ProblemAsync(quota, HttpStatusCode.BadRequest, "Error.WrongType", "maxDesktops");
        Assert.Contains("whole number", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var chinese = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances",
            $$"""{"name":"json-1","ownerId":"{{owner.UserId}}","maxDesktops":"5","expiresAt":"2030-01-31"}""", "zh-CN");
        problem = await ApiTestKit.ProblemAsync(chinese, HttpStatusCode.BadRequest, "Error.WrongType", "maxDesktops");
        Assert.Contains("整数", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var expiry = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances",
            $$"""{"name":"json-1","ownerId":"{{owner.UserId}}","maxDesktops":5,"expiresAt":"2030-01-31T00:00:00Z"}""", "en");
        problem = await ApiTestKit.ProblemAsync(expiry, HttpStatusCode.BadRequest, "Error.WrongType", "expiresAt");
        Assert.Contains("yyyy-MM-dd", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The field is the client's own spelling (property names are matched regardless of case).
        using var pascal = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances",
            $$"""{"name":"json-1","ownerId":"{{owner.UserId}}","MaxImages":[1],"expiresAt":"2030-01-31"}""", "en");
        await ApiTestKit.ProblemAsync(pascal, HttpStatusCode.BadRequest, "Error.WrongType", "MaxImages");

        using var get = await admin.GetAsync(new Uri("/api/v1/instances/json-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Updating_an_instance_with_wrong_types_changes_nothing()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (owner, _) = await factory.CreateUserAsync("owner-json-update");
        var instance = await ApiTestKit.InstanceAsync(factory, "json-2", owner);

        using var boolean = await SendAsync(admin, HttpMethod.Put, "/api/v1/instances/json-2", """{"maxUsers":true,"maxDesktops":99}""", "en");
        await ApiTestKit.ProblemAsync(boolean, HttpStatusCode.BadRequest, "Error.WrongType", "maxUsers");
        using var version = await SendAsync(admin, HttpMethod.Put, "/api/v1/instances/json-2", """{"maxDesktops":99,"version":"not-a-uuid"}""", "en");
        var problem = await ApiTestKit.ProblemAsync(version, HttpStatusCode.BadRequest, "Error.WrongType", "version");
        Assert.Contains("UUID", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var broken = await SendAsync(admin, HttpMethod.Put, "/api/v1/instances/json-2", "{\"maxDesktops\":99,\n\"maxUsers\":", "en");
        problem = await ApiTestKit.ProblemAsync(broken, HttpStatusCode.BadRequest, "Error.MalformedJson", "");
        Assert.Contains("line 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var stored = await factory.Services.GetRequiredService<InstanceService>().FindByNameAsync(await factory.AdminAsync(), "json-2");
        Assert.Equal(instance.MaxDesktops, stored!.MaxDesktops);
        Assert.Equal(instance.Version, stored.Version);
    }

    [Fact]
    public async Task Malformed_or_missing_bodies_are_their_own_problems_in_both_languages()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var english = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances", """{"name": "x",""", "en");
        var problem = await ApiTestKit.ProblemAsync(english, HttpStatusCode.BadRequest, "Error.MalformedJson", "");
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var chinese = await SendAsync(admin, HttpMethod.Post, "/api/v1/users", """{"userName": 'bob'}""", "zh-CN");
        problem = await ApiTestKit.ProblemAsync(chinese, HttpStatusCode.BadRequest, "Error.MalformedJson", "");
        Assert.Contains("不是有效的 JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var empty = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances", "", "en");
        problem = await ApiTestKit.ProblemAsync(empty, HttpStatusCode.BadRequest, "Error.BodyRequired", "");
        Assert.Contains("JSON body", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var emptyZh = await SendAsync(admin, HttpMethod.Put, "/api/v1/users/some-id/status", "", "zh-CN");
        problem = await ApiTestKit.ProblemAsync(emptyZh, HttpStatusCode.BadRequest, "Error.BodyRequired", "");
        Assert.Contains("请求体", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // An array where an object belongs: the body as a whole has the wrong type.
        using var array = await SendAsync(admin, HttpMethod.Post, "/api/v1/instances", "[]", "en");
        await ApiTestKit.ProblemAsync(array, HttpStatusCode.BadRequest, "Error.WrongType", "");
    }

    [Fact]
    public async Task Users_refuse_wrong_types_and_null_for_a_required_value()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (user, _) = await factory.CreateUserAsync("json-user");

        using var create = await SendAsync(admin, HttpMethod.Post, "/api/v1/users", """{"userName":"json-new","isActive":"yes"}""", "en");
        var problem = await ApiTestKit.ProblemAsync(create, HttpStatusCode.BadRequest, "Error.WrongType", "isActive");
        Assert.Contains("true or false", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var status = await SendAsync(admin, HttpMethod.Put, $"/api/v1/users/{user.UserId}/status", """{"isActive":null}""", "zh-CN");
        problem = await ApiTestKit.ProblemAsync(status, HttpStatusCode.BadRequest, "Error.WrongType", "isActive");
        Assert.Contains("true 或 false", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var update = await SendAsync(admin, HttpMethod.Put, $"/api/v1/users/{user.UserId}", """{"organization":42}""", "en");
        await ApiTestKit.ProblemAsync(update, HttpStatusCode.BadRequest, "Error.WrongType", "organization");
        using var ids = await SendAsync(admin, HttpMethod.Delete, "/api/v1/users", $$"""{"ids":["{{user.UserId}}",7]}""", "en");
        await ApiTestKit.ProblemAsync(ids, HttpStatusCode.BadRequest, "Error.WrongType", "ids[1]");

        var users = factory.Services.GetRequiredService<UserAdminService>();
        var admin2 = await factory.AdminAsync();
        Assert.Null((await users.ListAsync(admin2, new UserQuery(Search: "json-new"))).Value!.Items.SingleOrDefault());
        var stored = await users.GetAsync(admin2, user.UserId);
        Assert.True(stored!.IsActive);
        Assert.Equal("Acme", stored.Organization);
    }

    [Fact]
    public async Task Token_requests_with_wrong_types_create_no_token()
    {
        await using var factory = new PortalWebFactory();
        using var anonymous = ApiTestKit.Anonymous(factory);

        using var lifetime = await SendAsync(anonymous, HttpMethod.Post, "/api/v1/tokens",
            $$"""{"userName":"{{PortalWebFactory.AdminUserName}}","password":"{{PortalWebFactory.AdminPassword}}","name":"ci","expiresInDays":"30"}""", "en");
        await ApiTestKit.ProblemAsync(lifetime, HttpStatusCode.BadRequest, "Error.WrongType", "expiresInDays");
        using var password = await SendAsync(anonymous, HttpMethod.Post, "/api/v1/tokens",
            $$"""{"userName":"{{PortalWebFactory.AdminUserName}}","password":12345,"name":"ci"}""", "zh-CN");
        var problem = await ApiTestKit.ProblemAsync(password, HttpStatusCode.BadRequest, "Error.WrongType", "password");
        Assert.Contains("字符串", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var broken = await SendAsync(anonymous, HttpMethod.Post, "/api/v1/tokens", "{\"userName\":\"admin\" \"password\":\"x\"}", "en");
        await ApiTestKit.ProblemAsync(broken, HttpStatusCode.BadRequest, "Error.MalformedJson", "");

        Assert.Empty(await factory.Services.GetRequiredService<ApiTokenService>().ListPersonalAsync(await factory.AdminAsync()));
    }

    [Fact]
    public async Task A_query_value_that_is_not_a_number_names_its_parameter_and_pages_outside_the_api_keep_their_status()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        admin.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        using var page = await admin.GetAsync(new Uri("/api/v1/instances?page=abc", UriKind.Relative));
        var problem = await ApiTestKit.ProblemAsync(page, HttpStatusCode.BadRequest, "Error.WrongType", "page");
        Assert.Contains("whole number", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var descending = await admin.GetAsync(new Uri("/api/v1/users?descending=maybe", UriKind.Relative));
        await ApiTestKit.ProblemAsync(descending, HttpStatusCode.BadRequest, "Error.WrongType", "descending");

        // Binding failures now throw so the API can name the field; elsewhere they stay a plain 400, never a 500.
        using var anonymous = ApiTestKit.Anonymous(factory);
        using var culture = await anonymous.GetAsync(new Uri("/culture/set", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, culture.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string json, string language)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.AcceptLanguage.ParseAdd(language);
        return await client.SendAsync(request);
    }
}
