using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Api;

/// <summary>Activation tokens: made by the owner or an administrator; good for host info and license of one instance only.</summary>
public sealed class ActivationTokenTests
{
    [Fact]
    public async Task The_owner_creates_lists_and_revokes_an_activation_token()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var client = await ApiTestKit.ClientAsync(factory, carol);

        using var create = await client.PostAsJsonAsync("/api/v1/instances/carols/activation-tokens", new { expiresInDays = 3 });
        var created = await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("lpact_", token, StringComparison.Ordinal);
        var list = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances/carols/activation-tokens", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("prefix").GetString(), list[0].GetProperty("prefix").GetString());
        Assert.DoesNotContain(token, list.GetRawText(), StringComparison.Ordinal);

        using var revoke = await client.DeleteAsync(new Uri($"/api/v1/instances/carols/activation-tokens/{created.GetProperty("id").GetInt32()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var host = ApiTestKit.WithToken(factory, token);
        using var refused = await host.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols")));
        await ApiTestKit.ProblemAsync(refused, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task An_activation_token_uploads_host_info_and_fetches_the_license_of_its_instance()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "carols"));

        using var upload = await host.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols")));
        using var generate = await host.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null);
        using var latest = await host.GetAsync(new Uri("/api/v1/instances/CAROLS/license", UriKind.Relative));

        await ApiTestKit.JsonAsync(upload, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/v1/instances")]
    [InlineData("GET", "/api/v1/instances/carols")]
    [InlineData("GET", "/api/v1/instances/carols/licenses")]
    [InlineData("PUT", "/api/v1/instances/carols")]
    [InlineData("DELETE", "/api/v1/instances/carols")]
    [InlineData("GET", "/api/v1/instances/carols/activation-tokens")]
    [InlineData("POST", "/api/v1/instances/carols/activation-tokens")]
    [InlineData("GET", "/api/v1/users")]
    [InlineData("GET", "/api/v1/tokens")]
    [InlineData("POST", "/api/v1/instances/carols/pending-host/approve")]
    [InlineData("POST", "/api/v1/instances/carols/pending-host/deny")]
    [InlineData("PUT", "/api/v1/instances/carols/host-identifier-tolerance")]
    [InlineData("POST", "/api/v1/instances/daves/hostinfo")]
    [InlineData("POST", "/api/v1/instances/daves/license")]
    [InlineData("GET", "/api/v1/instances/daves/license")]
    public async Task An_activation_token_is_refused_everything_else_with_403(string method, string path)
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        await ApiTestKit.InstanceAsync(factory, "daves", carol);
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "carols"));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "PUT" or "POST")
        {
            request.Content = path.EndsWith("hostinfo", StringComparison.Ordinal) ? ApiTestKit.Text(ApiTestKit.HostInfo("daves")) : JsonContent.Create(new { maxDesktops = 1 });
        }

        using var response = await host.SendAsync(request);

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Forbidden, "Token.ActivationScope");
    }

    [Fact]
    public async Task An_expired_activation_token_gets_401()
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        await ApiTestKit.InstanceAsync(factory, "carols", admin);
        var token = await ApiTestKit.ActivationTokenAsync(factory, "carols");
        await ApiTestKit.SetExpiredAsync(factory, ApiTestKit.PrefixOf(token));
        using var host = ApiTestKit.WithToken(factory, token);

        using var response = await host.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }

    [Fact]
    public async Task Another_customer_cannot_make_an_activation_token_and_lifetimes_are_validated()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        var (dave, _) = await factory.CreateUserAsync("dave");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var daveClient = await ApiTestKit.ClientAsync(factory, dave);
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var other = await daveClient.PostAsJsonAsync("/api/v1/instances/carols/activation-tokens", new { expiresInDays = 1 });
        using var tooLong = await admin.PostAsJsonAsync("/api/v1/instances/carols/activation-tokens", new { expiresInDays = 1000 });
        using var byAdmin = await admin.PostAsJsonAsync("/api/v1/instances/carols/activation-tokens", new { });

        await ApiTestKit.ProblemAsync(other, HttpStatusCode.NotFound, "Error.NotFound");
        await ApiTestKit.ProblemAsync(tooLong, HttpStatusCode.UnprocessableEntity, "Token.ExpiryRange", "expiresInDays");
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
    }

    [Fact]
    public async Task A_deactivated_owner_takes_the_activation_token_down_too()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        var token = await ApiTestKit.ActivationTokenAsync(factory, "carols");
        var users = factory.Services.GetService(typeof(LicensePortal.Services.UserAdminService)) as LicensePortal.Services.UserAdminService;
        Assert.True((await users!.SetActiveAsync(await factory.AdminAsync(), carol.UserId, false)).Succeeded);
        using var host = ApiTestKit.WithToken(factory, token);

        using var response = await host.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Error.Unauthorized");
        Assert.Equal(PortalRole.User, carol.Role);
    }
}
