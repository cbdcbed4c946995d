using System.Net;
using System.Text.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>The OpenAPI document at /openapi/v1.json lists every /api/v1 endpoint; /api/docs shows it.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string[] Expected =
    [
        "GET /api/v1/users", "POST /api/v1/users", "DELETE /api/v1/users",
        "GET /api/v1/users/{id}", "PUT /api/v1/users/{id}", "DELETE /api/v1/users/{id}", "PUT /api/v1/users/{id}/status",
        "GET /api/v1/instances", "POST /api/v1/instances", "DELETE /api/v1/instances",
        "GET /api/v1/instances/{name}", "PUT /api/v1/instances/{name}", "DELETE /api/v1/instances/{name}",
        "POST /api/v1/instances/{name}/hostinfo", "POST /api/v1/instances/{name}/license", "GET /api/v1/instances/{name}/license",
        "GET /api/v1/instances/{name}/licenses",
        "POST /api/v1/instances/{name}/pending-host/approve", "POST /api/v1/instances/{name}/pending-host/deny",
        "PUT /api/v1/instances/{name}/host-identifier-tolerance",
        "GET /api/v1/instances/{name}/activation-tokens", "POST /api/v1/instances/{name}/activation-tokens",
        "DELETE /api/v1/instances/{name}/activation-tokens/{id}",
        "GET /api/v1/vendor-keys",
        "POST /api/v1/tokens", "GET /api/v1/tokens", "DELETE /api/v1/tokens/{id}",
    ];

    [Fact]
    public async Task The_document_lists_every_api_endpoint()
    {
        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.Anonymous(factory);

        var document = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)), HttpStatusCode.OK);

        var listed = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(op => $"{op.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        // Every endpoint the app maps under /api/v1, read from routing itself, not only the list above.
        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m =>
                $"{m} {System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.TrimEnd('/'), ":[a-z]+}", "}")}"))
            .ToHashSet();
        Assert.Superset(Expected.ToHashSet(), mapped);
        Assert.Superset(mapped, listed);
    }

    [Fact]
    public async Task The_browsable_reference_is_at_api_docs()
    {
        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.Anonymous(factory);

        using var redirect = await client.GetAsync(new Uri("/api/docs", UriKind.Relative));
        // Scalar sends /api/docs to /api/docs/ with a relative Location, resolved the way a browser does.
        var target = redirect.StatusCode == HttpStatusCode.OK ? new Uri(client.BaseAddress!, "/api/docs") : new Uri(new Uri(client.BaseAddress!, "/api/docs"), redirect.Headers.Location!);
        using var response = await client.GetAsync(target);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{redirect.StatusCode} {redirect.Headers.Location} then {response.StatusCode} {response.Headers.Location}");
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("scalar", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
