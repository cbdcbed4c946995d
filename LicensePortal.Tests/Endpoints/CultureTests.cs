using System.Net;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Endpoints;

/// <summary>The UI language switch at /culture/set.</summary>
public sealed class CultureTests
{
    [Fact]
    public async Task Setting_the_culture_stores_the_cookie_and_goes_back_to_the_local_page()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await client.GetAsync(new Uri("/culture/set?culture=en&redirectUri=/instances", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/instances", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal));
        Assert.Contains("c%3Den%7Cuic%3Den", cookie, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example")]
    [InlineData("/\\evil.example")]
    public async Task Setting_the_culture_never_redirects_off_site(string redirectUri)
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await client.GetAsync(new Uri($"/culture/set?culture=en&redirectUri={Uri.EscapeDataString(redirectUri)}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_unsupported_culture_sets_no_cookie()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await client.GetAsync(new Uri("/culture/set?culture=fr&redirectUri=/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal)));
    }
}
