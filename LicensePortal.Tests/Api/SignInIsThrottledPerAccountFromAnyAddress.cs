using System.Net;
using System.Net.Http.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LicensePortal.Tests.Api;

/// <summary>
/// Password spraying from many addresses at one account: each address stays under the per-address limit, but the
/// account's own limit, shared by the sign-in page and POST /api/v1/tokens and by the account's name and e-mail, stops
/// the guessing with 429 and Retry-After, in the caller's language. Other accounts are not affected.
/// </summary>
public sealed class SignInIsThrottledPerAccountFromAnyAddress
{
    private static HttpClient Api(WebApplicationFactory<Program> factory, string address, string language = "zh-CN")
    {
        var client = ApiTestKit.Anonymous(factory).From(address);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        return client;
    }

    private static Task<HttpResponseMessage> GuessAsync(HttpClient client, string userName, string password = "wrong-password") =>
        client.PostAsJsonAsync("/api/v1/tokens", new { userName, password, name = "spray" });

    [Fact]
    public async Task Many_addresses_guessing_one_account_are_throttled_on_both_ways_in()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await factory.CreateUserAsync("dave");
        // Three attempts per account; the per-address limit (10) is never reached: one attempt per address.
        await using var portal = factory.WithClientAddresses(("RateLimits:AccountSignInPermitLimit", "3"), ("RateLimits:AccountSignInWindowSeconds", "300"));

        for (var i = 1; i <= 3; i++)
        {
            using var client = Api(portal, $"198.51.100.{i}");
            using var allowed = await GuessAsync(client, i == 2 ? "carol@example.com" : "CAROL");
            await ApiTestKit.ProblemAsync(allowed, HttpStatusCode.Unauthorized, "Token.InvalidCredentials");
        }

        using var fourth = Api(portal, "198.51.100.4");
        using var refused = await GuessAsync(fourth, "carol", "Us3r-Passw0rd!");
        var problem = await ApiTestKit.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
        Assert.Contains("请求过于频繁", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // The same count on the sign-in page, from yet another address, in English.
        var browser = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).From("198.51.100.5");
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        using var page = await PortalWebFactory.SignInAsync(browser, "carol", "Us3r-Passw0rd!");
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.True(page.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many sign-in attempts for this account", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(page.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("LicensePortal.Auth", StringComparison.Ordinal)));

        // Another account, from an address that was just used, is not throttled.
        using var again = Api(portal, "198.51.100.4");
        using var other = await GuessAsync(again, "dave", "Us3r-Passw0rd!");
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_page_counts_towards_the_same_limit_as_the_token_exchange()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await using var portal = factory.WithClientAddresses(("RateLimits:AccountSignInPermitLimit", "2"));

        for (var i = 1; i <= 2; i++)
        {
            var browser = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).From($"203.0.113.{i}");
            using var allowed = await PortalWebFactory.SignInAsync(browser, "carol", "wrong-password");
            Assert.Equal(HttpStatusCode.Redirect, allowed.StatusCode);
        }

        using var client = Api(portal, "203.0.113.3", "en");
        using var refused = await GuessAsync(client, "carol", "Us3r-Passw0rd!");
        var problem = await ApiTestKit.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
        Assert.Contains("Too many requests", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(refused.Headers.RetryAfter);
    }
}
