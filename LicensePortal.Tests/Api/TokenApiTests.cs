using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>POST/GET/DELETE /api/v1/tokens: personal tokens by password, listed without secrets, revocable by their owner.</summary>
public sealed class TokenApiTests
{
    [Fact]
    public async Task A_script_exchanges_a_password_for_a_token_shown_once_and_uses_it()
    {
        await using var factory = new PortalWebFactory();
        using var anonymous = ApiTestKit.Anonymous(factory);

        using var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = PortalWebFactory.AdminUserName, password = PortalWebFactory.AdminPassword, name = "ci", expiresInDays = 10 });

        var created = await ApiTestKit.JsonAsync(response, HttpStatusCode.Created);
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("lpat_", token, StringComparison.Ordinal);
        Assert.Equal("ci", created.GetProperty("name").GetString());
        Assert.Equal(ApiTestKit.PrefixOf(token), created.GetProperty("prefix").GetString());
        using var client = ApiTestKit.WithToken(factory, token);
        var list = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(1, list.GetArrayLength());
        Assert.False(list[0].TryGetProperty("token", out _));
        Assert.DoesNotContain(token[(ApiTestKit.PrefixOf(token).Length + 1)..], list.GetRawText(), StringComparison.Ordinal);

        // Only a hash is stored.
        await using var scope = factory.Services.CreateAsyncScope();
        var stored = scope.ServiceProvider.GetRequiredService<AppDbContext>().ApiTokens.Single();
        Assert.Equal(32, stored.SecretHash.Length);
        Assert.DoesNotContain(token[(ApiTestKit.PrefixOf(token).Length + 1)..], Convert.ToBase64String(stored.SecretHash), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "pw", "n", 10, "userName", "Error.Required")]
    [InlineData("admin", null, "n", 10, "password", "Error.Required")]
    [InlineData("admin", "pw", "", 10, "name", "Error.Required")]
    [InlineData("admin", "pw", "n", 0, "expiresInDays", "Token.ExpiryRange")]
    [InlineData("admin", "pw", "n", 366, "expiresInDays", "Token.ExpiryRange")]
    public async Task Token_requests_are_validated(string? userName, string? password, string name, int days, string field, string code)
    {
        await using var factory = new PortalWebFactory();
        using var anonymous = ApiTestKit.Anonymous(factory);

        using var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName, password, name, expiresInDays = days });

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, code, field);
    }

    [Fact]
    public async Task A_wrong_password_gets_401_and_repeated_failures_lock_the_account()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        using var anonymous = ApiTestKit.Anonymous(factory);

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = "wrong-password", name = "x" });
            await ApiTestKit.ProblemAsync(wrong, HttpStatusCode.Unauthorized, i < 4 ? "Token.InvalidCredentials" : "Token.LockedOut");
        }
        using var right = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = "Us3r-Passw0rd!", name = "x" });

        await ApiTestKit.ProblemAsync(right, HttpStatusCode.Unauthorized, "Token.LockedOut");
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByNameAsync("carol"))!));
    }

    [Fact]
    public async Task An_unknown_user_gets_the_same_401_as_a_wrong_password()
    {
        await using var factory = new PortalWebFactory();
        using var anonymous = ApiTestKit.Anonymous(factory);

        using var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "nobody", password = "whatever-123", name = "x" });

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Token.InvalidCredentials");
    }

    [Fact]
    public async Task A_customer_cannot_revoke_another_customers_token()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        var (dave, _) = await factory.CreateUserAsync("dave");
        using var carolClient = await ApiTestKit.ClientAsync(factory, carol);
        using var daveClient = await ApiTestKit.ClientAsync(factory, dave);
        var daves = await ApiTestKit.JsonAsync(await daveClient.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative)), HttpStatusCode.OK);

        using var response = await carolClient.DeleteAsync(new Uri($"/api/v1/tokens/{daves[0].GetProperty("id").GetInt32()}", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.NotFound, "Error.NotFound");
        using var stillWorks = await daveClient.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
    }

    [Fact]
    public async Task Too_many_password_attempts_get_429_with_Retry_After()
    {
        await using var factory = new PortalWebFactory();
        await using var limited = factory.WithWebHostBuilder(b => b.UseSetting("RateLimits:SignInPermitLimit", "2"));
        using var anonymous = ApiTestKit.Anonymous(limited);

        for (var i = 0; i < 2; i++)
        {
            using var allowed = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "nobody", password = "whatever-123", name = "x" });
            Assert.Equal(HttpStatusCode.Unauthorized, allowed.StatusCode);
        }
        using var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "nobody", password = "whatever-123", name = "x" });

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task The_login_form_is_rate_limited_too()
    {
        await using var factory = new PortalWebFactory();
        await using var limited = factory.WithWebHostBuilder(b => b.UseSetting("RateLimits:SignInPermitLimit", "1"));
        var client = limited.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var first = await PortalWebFactory.SignInAsync(client, "nobody", "wrong-password");
        Assert.NotEqual(HttpStatusCode.TooManyRequests, first.StatusCode);

        using var second = await PortalWebFactory.SignInAsync(client, "nobody", "wrong-password");

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
    }

    [Fact]
    public async Task Bearer_use_is_rate_limited_per_token()
    {
        await using var factory = new PortalWebFactory();
        await using var limited = factory.WithWebHostBuilder(b => b.UseSetting("RateLimits:TokenPermitLimit", "3"));
        var token = await ApiTestKit.TokenAsync(limited, await factory.AdminAsync());
        using var client = ApiTestKit.WithToken(limited, token);
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var response = await client.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
