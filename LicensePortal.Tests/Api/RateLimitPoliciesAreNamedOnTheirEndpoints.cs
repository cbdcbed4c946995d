using LicensePortal.Endpoints.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// Which endpoints are limited is said on the endpoints (RequireRateLimiting / EnableRateLimiting), not by matching paths:
/// the download policy on every license download, the sign-in policy on both ways to present a password, and no other.
/// </summary>
public sealed class RateLimitPoliciesAreNamedOnTheirEndpoints
{
    [Fact]
    public async Task Each_policy_is_on_exactly_the_endpoints_it_protects()
    {
        await using var factory = new PortalWebFactory();
        _ = factory.Server; // builds the app and its endpoints
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

        var limited = endpoints
            .Select(e => (Route: "/" + e.RoutePattern.RawText?.Trim('/'), Methods: string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []), Policy: e.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName))
            .Where(e => e.Policy is not null)
            .Select(e => $"{e.Policy} {e.Methods} {e.Route}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(new[]
        {
            $"{RateLimits.Download} GET /api/v1/instances/{{name}}/license",
            $"{RateLimits.Download} GET /download_license",
            $"{RateLimits.Download} GET /static/license/{{fileName}}",
            $"{RateLimits.Download} POST /api/v1/instances/{{name}}/license",
            $"{RateLimits.SignIn}  /Identity/Account/Login",
            $"{RateLimits.SignIn} POST /api/v1/tokens",
        }.Order(StringComparer.Ordinal), limited);
    }
}
