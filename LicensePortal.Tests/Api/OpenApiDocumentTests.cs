using System.Net;
using System.Reflection;
using System.Text.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// The OpenAPI document at /openapi/v1.json lists every /api/v1 endpoint with the exact types the API reads and writes
/// (integers as integers, nullable only where null is real) and its error answers; /api/docs shows it.
/// </summary>
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
    public async Task Integers_are_integers_with_no_string_alternative()
    {
        var document = await DocumentAsync();

        var integers = 0;
        foreach (var (where, schema) in Schemas(document, "$"))
        {
            var types = Types(schema);
            if (types.Contains("integer") || schema.TryGetProperty("format", out var f) && f.GetString() is "int32" or "int64")
            {
                integers++;
                // Null stays where the value may be null (the requests test says where); a string never.
                Assert.True(types.Except(["null"]).ToHashSet().SetEquals(["integer"]), $"{where}: an integer typed [{string.Join(",", types)}]");
                Assert.False(schema.TryGetProperty("pattern", out _), $"{where}: an integer with a pattern");
            }
        }
        // Quotas, counts, page numbers, ids: the check above looked at many.
        Assert.True(integers > 30, $"only {integers} integer schemas found");
        var page = document.GetProperty("paths").GetProperty("/api/v1/instances").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "page");
        Assert.Equal("integer", page.GetProperty("schema").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Requests_have_no_nullable_property_and_answers_are_nullable_only_where_the_code_says()
    {
        var document = await DocumentAsync();
        var nullability = new NullabilityInfoContext();
        var checkedRequests = 0;
        var checkedAnswers = 0;
        foreach (var component in document.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            var type = typeof(LicensePortal.Endpoints.Api.ApiEndpoints).Assembly.GetTypes()
                .SingleOrDefault(t => t.Namespace == typeof(LicensePortal.Endpoints.Api.ApiEndpoints).Namespace && t.Name == component.Name);
            if (type is null || !component.Value.TryGetProperty("properties", out var properties))
            {
                continue;
            }
            var required = component.Value.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet() : [];
            Assert.Subset(properties.EnumerateObject().Select(p => p.Name).ToHashSet(), required);
            foreach (var property in properties.EnumerateObject())
            {
                var nullable = IsNullable(property.Value);
                if (type.Name.EndsWith("Request", StringComparison.Ordinal))
                {
                    checkedRequests++;
                    Assert.False(nullable, $"request property {component.Name}.{property.Name} is typed nullable");
                }
                else
                {
                    checkedAnswers++;
                    var clr = type.GetProperty(property.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                        ?? throw new InvalidOperationException($"{component.Name}.{property.Name} is not a property of {type}");
                    var clrNullable = nullability.Create(clr).ReadState == NullabilityState.Nullable;
                    Assert.True(clrNullable == nullable, $"{component.Name}.{property.Name}: the document says nullable={nullable}, the code {clrNullable}");
                    Assert.Contains(property.Name, required);
                }
            }
        }
        Assert.True(checkedRequests > 20 && checkedAnswers > 50, $"{checkedRequests} request and {checkedAnswers} answer properties checked");

        // What a request must carry is required, and nothing else: an update may leave any field out.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal(["name", "password", "userName"], Required(schemas, "PasswordTokenRequest").Order(StringComparer.Ordinal));
        Assert.Equal(["isActive"], Required(schemas, "UserStatusRequest"));
        Assert.Empty(Required(schemas, "InstanceRequest"));
        Assert.Empty(Required(schemas, "UserRequest"));
    }

    [Fact]
    public async Task Every_operation_has_a_description_and_its_error_answers_as_problem_details()
    {
        var document = await DocumentAsync();

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                Assert.False(string.IsNullOrWhiteSpace(op.GetProperty("summary").GetString()), where);
                Assert.False(string.IsNullOrWhiteSpace(op.GetProperty("description").GetString()), where);
                Assert.NotEqual("v1", Assert.Single(op.GetProperty("tags").EnumerateArray()).GetString());
                var responses = op.GetProperty("responses").EnumerateObject().ToDictionary(x => x.Name, x => x.Value);
                var anonymous = where is "POST /api/v1/tokens" or "GET /api/v1/vendor-keys";
                if (!anonymous)
                {
                    Assert.Contains("401", responses.Keys);
                    Assert.Contains("403", responses.Keys);
                }
                if (path.Name.Contains('{', StringComparison.Ordinal))
                {
                    Assert.Contains("404", responses.Keys);
                }
                if (op.TryGetProperty("requestBody", out _))
                {
                    Assert.Superset(new HashSet<string> { "400", "413", "415" }, responses.Keys.ToHashSet());
                }
                foreach (var (status, response) in responses.Where(x => x.Key.StartsWith('4')))
                {
                    var schema = response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
                    Assert.True(schema == "#/components/schemas/ProblemDetails", $"{where} {status}: {schema}");
                }
            }
        }
        Assert.Contains("429", document.GetProperty("paths").GetProperty("/api/v1/tokens").GetProperty("post").GetProperty("responses").EnumerateObject().Select(x => x.Name));
        var problem = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails");
        Assert.Superset(new HashSet<string> { "code", "field", "detail", "status" }, problem.GetProperty("required").EnumerateArray().Select(x => x.GetString()!).ToHashSet());
    }

    private static async Task<JsonElement> DocumentAsync()
    {
        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.Anonymous(factory);
        return await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)), HttpStatusCode.OK);
    }

    private static string[] Required(JsonElement schemas, string name) =>
        schemas.GetProperty(name).TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

    private static HashSet<string> Types(JsonElement schema) => !schema.TryGetProperty("type", out var type) ? []
        : type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToHashSet()
        : type.ValueKind == JsonValueKind.String ? [type.GetString()!] : [];

    private static bool IsNullable(JsonElement schema) =>
        Types(schema).Contains("null")
        || (schema.TryGetProperty("oneOf", out var oneOf) && oneOf.EnumerateArray().Any(s => Types(s).Contains("null")));

    /// <summary>Every schema object anywhere in the document (properties, items, parameters, bodies, answers), with where it is.</summary>
    private static IEnumerable<(string Where, JsonElement Schema)> Schemas(JsonElement node, string where)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            // A schema's "type" is a string or a list; a "type" holding an object is a property named type.
            if ((node.TryGetProperty("type", out var type) && type.ValueKind is JsonValueKind.String or JsonValueKind.Array)
                || (node.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String))
            {
                yield return (where, node);
            }
            foreach (var child in node.EnumerateObject())
            {
                foreach (var found in Schemas(child.Value, $"{where}.{child.Name}"))
                {
                    yield return found;
                }
            }
        }
        else if (node.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var child in node.EnumerateArray())
            {
                foreach (var found in Schemas(child, $"{where}[{i++}]"))
                {
                    yield return found;
                }
            }
        }
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
