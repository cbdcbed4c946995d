using System.Net;
using System.Net.Http.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LicensePortal.Tests.Api;

/// <summary>
/// The review found /Identity/Account/Login/ and /api/v1/tokens/ served but not limited (the limits matched path
/// strings). The limits are on the endpoints now: the trailing-slash paths reach the same endpoints and are limited
/// exactly like the plain ones, per address and per account.
/// </summary>
public sealed class SignInLimitsCoverTrailingSlashPaths
{
    [Theory]
    [InlineData("/api/v1/tokens/")]
    [InlineData("/API/V1/TOKENS/")]
    public async Task The_token_exchange_with_a_trailing_slash_is_limited_per_address(string path)
    {
        await using var factory = new PortalWebFactory();
        await using var portal = factory.WithClientAddresses(("RateLimits:SignInPermitLimit", "3"));
        using var client = ApiTestKit.Anonymous(portal).From("192.0.2.10");

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.PostAsJsonAsync(path, new { userName = $"nobody{i}", password = "whatever-123", name = "x" });
            Assert.Equal(HttpStatusCode.Unauthorized, allowed.StatusCode);
        }
        using var refused = await client.PostAsJsonAsync(path, new { userName = "nobody9", password = "whatever-123", name = "x" });

        await ApiTestKit.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Theory]
    [InlineData("/Identity/Account/Login/")]
    [InlineData("/identity/account/login/")]
    public async Task The_sign_in_page_with_a_trailing_slash_is_limited_per_address(string path)
    {
        await using var factory = new PortalWebFactory();
        await using var portal = factory.WithClientAddresses(("RateLimits:SignInPermitLimit", "3"));
        var browser = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).From("192.0.2.20");

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await PostLoginAsync(browser, path, $"nobody{i}");
            Assert.Equal(HttpStatusCode.Redirect, allowed.StatusCode);
        }
        using var refused = await PostLoginAsync(browser, path, "nobody9");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task Both_trailing_slash_paths_count_per_account_too()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await using var portal = factory.WithClientAddresses(("RateLimits:AccountSignInPermitLimit", "2"));
        using var first = ApiTestKit.Anonymous(portal).From("192.0.2.31");
        using var tokens = await first.PostAsJsonAsync("/api/v1/tokens/", new { userName = "carol", password = "wrong-password", name = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, tokens.StatusCode);
        var browser = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).From("192.0.2.32");
        using var login = await PostLoginAsync(browser, "/Identity/Account/Login/", "carol");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        using var third = ApiTestKit.Anonymous(portal).From("192.0.2.33");
        using var refused = await third.PostAsJsonAsync("/api/v1/tokens/", new { userName = "carol", password = "Us3r-Passw0rd!", name = "x" });

        await ApiTestKit.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
    }

    private static Task<HttpResponseMessage> PostLoginAsync(HttpClient browser, string path, string userName) =>
        PortalWebFactory.PostFormAsync(browser, path, [new("Input.UserName", userName), new("Input.Password", "wrong-password"), new("Input.RememberMe", "false")]);
}
