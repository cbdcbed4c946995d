using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>Who gets in to /api/v1: the cookie, personal tokens, and what happens to the anonymous, revoked, expired and deactivated.</summary>
public sealed class AuthenticationTests
{
    [Theory]
    [InlineData("GET", "/api/v1/users")]
    [InlineData("GET", "/api/v1/instances")]
    [InlineData("GET", "/api/v1/instances/demo/license")]
    [InlineData("GET", "/api/v1/tokens")]
    [InlineData("POST", "/api/v1/instances")]
    public async Task Anonymous_requests_get_401_problem_json_not_a_redirect(string method, string path)
    {
        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.Anonymous(factory);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Error.Unauthorized");
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task The_portal_cookie_works_on_the_api()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);

        using var response = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative));

        var page = await ApiTestKit.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(1, page.GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("lpat_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-token")]
    [InlineData("")]
    public async Task Unknown_or_malformed_tokens_get_401(string token)
    {
        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.WithToken(factory, token);

        using var response = await client.GetAsync(new Uri("/api/v1/instances", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task A_token_with_a_wrong_secret_gets_401()
    {
        await using var factory = new PortalWebFactory();
        var token = await ApiTestKit.TokenAsync(factory, await factory.AdminAsync());
        var wrong = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using var client = ApiTestKit.WithToken(factory, wrong);

        using var response = await client.GetAsync(new Uri("/api/v1/instances", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task A_revoked_token_gets_401()
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        var token = await ApiTestKit.TokenAsync(factory, admin);
        using var client = ApiTestKit.WithToken(factory, token);
        var list = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative)), HttpStatusCode.OK);
        var id = list[0].GetProperty("id").GetInt32();

        using var revoke = await client.DeleteAsync(new Uri($"/api/v1/tokens/{id}", UriKind.Relative));
        var revoked = await ApiTestKit.JsonAsync(revoke, HttpStatusCode.OK);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, revoked.GetProperty("revokedAt").ValueKind);

        using var after = await client.GetAsync(new Uri("/api/v1/instances", UriKind.Relative));
        await ApiTestKit.ProblemAsync(after, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task An_expired_token_gets_401()
    {
        await using var factory = new PortalWebFactory();
        var token = await ApiTestKit.TokenAsync(factory, await factory.AdminAsync());
        await ApiTestKit.SetExpiredAsync(factory, ApiTestKit.PrefixOf(token));
        using var client = ApiTestKit.WithToken(factory, token);

        using var response = await client.GetAsync(new Uri("/api/v1/instances", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task A_deactivated_users_token_stops_working_and_a_role_change_applies_at_once()
    {
        await using var factory = new PortalWebFactory();
        var (support, _) = await factory.CreateUserAsync("sam", PortalRole.Support);
        using var client = await ApiTestKit.ClientAsync(factory, support);
        using (var ok = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative)))
        {
            await ApiTestKit.JsonAsync(ok, HttpStatusCode.OK);
        }
        var users = factory.Services.GetRequiredService<UserAdminService>();
        var admin = await factory.AdminAsync();
        var row = (await users.GetAsync(admin, support.UserId))!;

        Assert.True((await users.UpdateAsync(admin, support.UserId, UserAdminService.ToInput(row) with { Role = PortalRole.User }, row.Version)).Succeeded);
        using (var demoted = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative)))
        {
            await ApiTestKit.ProblemAsync(demoted, HttpStatusCode.Forbidden, "Error.Forbidden");
        }

        Assert.True((await users.SetActiveAsync(admin, support.UserId, false)).Succeeded);
        using var deactivated = await client.GetAsync(new Uri("/api/v1/instances", UriKind.Relative));
        await ApiTestKit.ProblemAsync(deactivated, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task Problem_details_are_in_Chinese_when_the_client_asks_for_zh_CN()
    {
        await using var factory = new PortalWebFactory();
        using var client = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");

        using var response = await client.PostAsJsonAsync("/api/v1/instances", new { name = "", ownerId = "x", expiresAt = "2099-01-01" });

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "Error.Required", "name");
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("errors").GetArrayLength() >= 2);
    }

    [Fact]
    public async Task Problem_details_are_in_English_when_the_client_asks_for_en()
    {
        await using var factory = new PortalWebFactory();
        using var client = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-US");

        using var response = await client.GetAsync(new Uri("/api/v1/instances/nope", UriKind.Relative));

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.NotFound, "Error.NotFound");
        Assert.DoesNotMatch(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_api_path_is_a_json_404()
    {
        await using var factory = new PortalWebFactory();
        using var client = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await client.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.NotFound, "Error.NotFound");
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        await using var factory = new PortalWebFactory();
        using var client = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await client.PostAsync(new Uri("/api/v1/instances", UriKind.Relative), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, "Error.MalformedJson", "");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_json_endpoint_refuses_another_content_type_with_415(bool cookie)
    {
        await using var factory = new PortalWebFactory();
        using var client = cookie ? factory.CreateBrowser() : await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        if (cookie)
        {
            using var signIn = await PortalWebFactory.SignInAsync(client, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);
        }

        using var response = await client.PostAsync(new Uri("/api/v1/instances", UriKind.Relative), ApiTestKit.Text("name=x"));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Error.UnsupportedMediaType");
    }
}
