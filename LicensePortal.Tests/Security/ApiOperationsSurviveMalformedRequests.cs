using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Security;

/// <summary>
/// Fuzzing every operation of /openapi/v1.json through the test server, the way an attacker's script does: for each
/// operation, generated malformed requests (wrong JSON types, huge and negative numbers, U+0000 and other control
/// characters, very long strings, random JSON, broken JSON, bad path parameters, random query values, wrong content
/// types), with an administrator's bearer token or none. Every answer must be below 500, and every 4xx an
/// application/problem+json body whose status is the answer's. That includes 404 and 405 from routing itself (a path
/// parameter that fails its route constraint): under /api the portal fills in a problem for those too, so no
/// exception is made for them.
/// </summary>
/// <remarks>
/// Bounded: <see cref="IterationsPerOperation"/> requests per operation (CsCheck shrinks a failure within the same
/// budget). A failure names the operation, the smallest failing request found and CsCheck's seed; re-run one with the
/// environment variable <c>CsCheck_Seed</c>. Every operation is tried even when an earlier one fails.
/// </remarks>
public sealed class ApiOperationsSurviveMalformedRequests
{
    private const int IterationsPerOperation = 25;
    private const string Instance = "fuzz-a1";

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task No_operation_answers_5xx_and_every_4xx_is_a_problem(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var factory = new PortalWebFactory(database, new Dictionary<string, string>
        {
            // Limits would answer 429 (a problem, but no test of the operation): lift them.
            ["RateLimits:SignInPermitLimit"] = "100000",
            ["RateLimits:TokenPermitLimit"] = "100000",
            ["RateLimits:DownloadPermitLimit"] = "100000",
            ["Licensing:DownloadLimit"] = "10000",
        });
        var targets = new Targets(factory);
        await targets.EnsureAsync();
        using var anonymous = ApiTestKit.Anonymous(factory);
        var document = JsonDocument.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement.Clone();

        var operations = Operations(document).ToList();
        Assert.True(operations.Count >= 20, $"only {operations.Count} operations in the document");
        var failures = new List<string>();
        foreach (var operation in operations)
        {
            async Task CheckAsync(Fuzz fuzz)
            {
                await targets.EnsureAsync();
                using var client = fuzz.WithToken ? ApiTestKit.WithToken(factory, await targets.AdminTokenAsync()) : ApiTestKit.Anonymous(factory);
                using var request = fuzz.ToRequest(operation, targets);
                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (Problem((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body) is { } why)
                {
                    throw new InvalidOperationException($"{why}: {Shorten(body)}");
                }
            }

            // The edges every operation gets, whatever the random run draws: then the random run.
            foreach (var edge in Edges(operation))
            {
                try
                {
                    await CheckAsync(edge);
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"{operation.Method} {operation.Path}: {edge.Describe(operation)}\n    => {Shorten(ex.Message, 600)}");
                }
            }
            try
            {
                await Request(operation).SampleAsync(CheckAsync, iter: IterationsPerOperation, threads: 1, print: fuzz => fuzz.Describe(operation));
            }
            catch (Exception ex)
            {
                // CsCheck's message has the seed and the smallest failing request; the inner exception says what went wrong.
                failures.Add($"{operation.Method} {operation.Path}: {Shorten(ex.Message, 1000)}\n    => {Shorten(ex.InnerException?.Message ?? "", 600)}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {operations.Count} operations failed on {provider}:\n" + string.Join("\n\n", failures));
    }

    /// <summary>Null when the answer is acceptable; else why not.</summary>
    private static string? Problem(int status, string? mediaType, string body)
    {
        if (status >= 500)
        {
            return $"answered {status}";
        }
        if (status < 400)
        {
            return null;
        }
        if (mediaType != "application/problem+json")
        {
            return $"answered {status} as {mediaType ?? "no content type"}";
        }
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("status", out var s) && s.TryGetInt32(out var n) && n == status
                ? null
                : $"answered {status} with a problem whose status is not {status}";
        }
        catch (JsonException)
        {
            return $"answered {status} with a problem body that is not JSON";
        }
    }

    private static string Shorten(string text, int max = 300)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= max ? flat : flat[..max] + "…";
    }

    // ---- the document

    private sealed record Operation(string Method, string Path, IReadOnlyList<string> PathParameters, IReadOnlyList<string> QueryParameters,
        IReadOnlyList<string> BodyProperties, bool HasBody);

    private static IEnumerable<Operation> Operations(JsonElement document)
    {
        var schemas = document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var s) ? s : default;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete" or "patch"))
            {
                var parameters = op.Value.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
                var inPath = parameters.Where(x => x.GetProperty("in").GetString() == "path").Select(x => x.GetProperty("name").GetString()!).ToList();
                var inQuery = parameters.Where(x => x.GetProperty("in").GetString() == "query").Select(x => x.GetProperty("name").GetString()!).ToList();
                var properties = new List<string>();
                var hasBody = op.Value.TryGetProperty("requestBody", out var requestBody);
                if (hasBody && requestBody.TryGetProperty("content", out var content))
                {
                    foreach (var media in content.EnumerateObject())
                    {
                        properties.AddRange(Properties(media.Value.TryGetProperty("schema", out var schema) ? schema : default, schemas));
                    }
                }
                yield return new Operation(op.Name.ToUpperInvariant(), path.Name, inPath, inQuery, properties.Distinct().ToList(), hasBody);
            }
        }
    }

    private static List<string> Properties(JsonElement schema, JsonElement schemas)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        if (schema.TryGetProperty("$ref", out var reference) && schemas.ValueKind == JsonValueKind.Object
            && schemas.TryGetProperty(reference.GetString()!.Split('/')[^1], out var target))
        {
            schema = target;
        }
        return schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToList() : [];
    }

    // ---- what is generated

    private static readonly string[] ControlCharacters = ["\u0000", "\u0001", "\u0007", "\b", "\t", "\n", "\r", "\u001b", "\u007f", "\u0085", "\u2028", "\u202e", "\ufeff"];

    /// <summary>A hostile text value: empty, control characters, U+0000 inside a name, numbers at the edges, very long, odd Unicode.</summary>
    private static readonly Gen<string> NastyText = Gen.Frequency(
        (3, Gen.OneOf("", " ", "\u0000", "a\u0000b", "fuzz-a1\u0000", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "-1", "0", "1e309", "NaN",
            "-0", "0x10", "1.5", "true", "null", "[]", "{}", "..", "../../etc/passwd", "%00", "%2F", "' OR '1'='1", "<script>alert(1)</script>",
            "\u00e9\u4e2d\u6587\ud83d\ude00", "Ω≈ç√", "FUZZ-A1", "fuzz-a1 ", "2099-13-45", "2026-02-30T25:61:00Z", "P1D")),
        (2, Gen.Char[string.Concat(ControlCharacters) + "abcXYZ019-_."].Array[1, 40].Select(c => new string(c))),
        (2, Gen.String[0, 30]),
        (1, Gen.Int[1, 70_000].Select(n => new string('x', n))),
        (1, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))));

    /// <summary>A JSON value of any type, as text: what a script sends where the schema wanted something else.</summary>
    private static readonly Gen<string> NastyJsonValue = Gen.Recursive<string>((depth, inner) => Gen.Frequency(
        (4, NastyText.Select(JsonString)),
        (1, Gen.OneOf("\"\\ud800\"", "\"\\u0000\"", "\"a\\u0000b\"")),
        (3, Gen.OneOf("0", "-1", "1.5", "-0.0", "1e309", "-1e309", "2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809",
            "1" + new string('0', 400), "true", "false", "null")),
        (2, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (depth < 3 ? 1 : 0, inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
        (depth < 3 ? 1 : 0, Gen.Select(NastyText, inner).Array[0, 3].Select(pairs => "{" + string.Join(",", pairs.Select(p => JsonString(p.Item1) + ":" + p.Item2)) + "}"))));

    private static string JsonString(string text) => JsonSerializer.Serialize(text);

    private enum BodyKind { None, SchemaWrongTypes, RandomJson, BrokenJson, RandomBytes }

    /// <param name="PathValues">Per path parameter: null for the real object (so the request gets past "not found"), else hostile text.</param>
    private sealed record Fuzz(bool WithToken, string?[] PathValues, (string Name, string Value)[] Query, BodyKind Body, string BodyText, string ContentType)
    {
        public HttpRequestMessage ToRequest(Operation operation, Targets targets)
        {
            var path = operation.Path;
            for (var i = 0; i < operation.PathParameters.Count; i++)
            {
                var name = operation.PathParameters[i];
                var value = PathValues[i] ?? targets.Real(operation.Path, name);
                path = path.Replace("{" + name + "}", Escape(value), StringComparison.Ordinal);
            }
            if (Query.Length > 0)
            {
                path += "?" + string.Join("&", Query.Select(q => Escape(q.Name) + "=" + Escape(q.Value)));
            }
            var request = new HttpRequestMessage(new HttpMethod(operation.Method), new Uri(path, UriKind.Relative));
            if (Body != BodyKind.None)
            {
                var bytes = Body == BodyKind.RandomBytes ? Encoding.Latin1.GetBytes(BodyText) : Encoding.UTF8.GetBytes(BodyText);
                request.Content = new ByteArrayContent(bytes);
                if (ContentType.Length > 0)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }
            }
            return request;
        }

        /// <summary>Percent-encoded as UTF-8; a lone surrogate (no UTF-8 for it) is sent as U+FFFD, as a browser does.</summary>
        private static string Escape(string value)
        {
            var valid = new StringBuilder(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    valid.Append(value[i]).Append(value[++i]);
                }
                else
                {
                    valid.Append(char.IsSurrogate(value[i]) ? '\ufffd' : value[i]);
                }
            }
            return Uri.EscapeDataString(valid.ToString());
        }

        public string Describe(Operation operation) =>
            $"{operation.Method} {operation.Path} token={WithToken} path=[{string.Join(", ", PathValues.Select(v => v is null ? "(real)" : Shorten(JsonString(v), 80)))}] " +
            $"query=[{string.Join(", ", Query.Select(q => q.Name + "=" + Shorten(JsonString(q.Value), 80)))}] body={Body} type={ContentType} {Shorten(BodyText, 200)}";
    }

    private static readonly Gen<string> ContentTypes = Gen.Frequency(
        (6, Gen.Const("application/json")),
        (1, Gen.OneOf("text/plain", "application/octet-stream", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=latin1",
            "multipart/form-data", "multipart/form-data; boundary=xyz", "text/html; charset=\u0000", "", "application/merge-patch+json", "*/*")));

    private static Gen<Fuzz> Request(Operation operation)
    {
        // U+0000 stays out of paths: the in-memory server cannot carry it (Kestrel refuses such a path with 400 before routing).
        var pathValues = Gen.Frequency((1, Gen.Const((string?)null)), (2, NastyText.Select(t => (string?)t.Replace("\0", "", StringComparison.Ordinal)))).Array[operation.PathParameters.Count];
        var queryNames = operation.QueryParameters.Concat(["page", "pageSize", "zzz"]).Distinct().ToArray();
        var query = Gen.Select(Gen.OneOf(queryNames), NastyText).Array[0, 4];
        var schemaBody = Gen.Select(Gen.OneOf(operation.BodyProperties.Count > 0 ? operation.BodyProperties.ToArray() : ["name"]), NastyJsonValue).Array[0, 6]
            .Select(pairs => "{" + string.Join(",", pairs.Select(p => JsonString(p.Item1) + ":" + p.Item2)) + "}");
        var brokenJson = Gen.OneOf("{", "[1,", "\"unterminated", "{\"a\":}", "{\"name\":\"x\",}", "\u0000", "{\"name\":\"\u0000\"}", "nul", "{{}}", "[" + new string('[', 2000));
        var randomBytes = Gen.Char[(char)0, (char)255].Array[0, 300].Select(c => new string(c));
        var body = Gen.Frequency(
            (1, Gen.Const<(BodyKind, string)>((BodyKind.None, ""))),
            (operation.HasBody ? 4 : 1, schemaBody.Select(b => (BodyKind.SchemaWrongTypes, b))),
            (2, NastyJsonValue.Select(b => (BodyKind.RandomJson, b))),
            (1, brokenJson.Select(b => (BodyKind.BrokenJson, b))),
            (1, randomBytes.Select(b => (BodyKind.RandomBytes, b))));
        return Gen.Select(Gen.Bool, pathValues, query, body, ContentTypes, (token, path, q, b, type) => new Fuzz(token, path, q, b.Item1, b.Item2, type));
    }

    /// <summary>
    /// Fixed edge cases on the real objects, with the administrator's token: U+0000 and lone surrogates in every body
    /// property, U+0000 in every query value, the largest int in every query value, a string where each property wants something else, and multipart
    /// without a boundary and cut off.
    /// </summary>
    private static IEnumerable<Fuzz> Edges(Operation operation)
    {
        var real = new string?[operation.PathParameters.Count];
        foreach (var property in operation.BodyProperties)
        {
            yield return new Fuzz(true, real, [], BodyKind.SchemaWrongTypes, "{" + JsonString(property) + ":\"a\\u0000b\"}", "application/json");
            // Lone surrogates, high and low: no UTF-8 form, so neither database can take them (StorableText).
            yield return new Fuzz(true, real, [], BodyKind.SchemaWrongTypes, "{" + JsonString(property) + ":\"a\\ud800b\"}", "application/json");
            yield return new Fuzz(true, real, [], BodyKind.SchemaWrongTypes, "{" + JsonString(property) + ":\"\\udc00\"}", "application/json");
            yield return new Fuzz(true, real, [], BodyKind.SchemaWrongTypes, "{" + JsonString(property) + ":\"2026-01-01T00:00:00Z\"}", "application/json");
            yield return new Fuzz(true, real, [], BodyKind.SchemaWrongTypes, "{" + JsonString(property) + ":[1e309]}", "application/json");
        }
        foreach (var query in operation.QueryParameters)
        {
            yield return new Fuzz(true, real, [(query, "a\u0000b")], BodyKind.None, "", "");
            yield return new Fuzz(true, real, [(query, "2147483647")], BodyKind.None, "", "");
            yield return new Fuzz(true, real, [(query, "-2147483648")], BodyKind.None, "", "");
        }
        if (operation.HasBody)
        {
            yield return new Fuzz(true, real, [], BodyKind.BrokenJson, "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "multipart/form-data");
            yield return new Fuzz(true, real, [], BodyKind.BrokenJson, "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "multipart/form-data; boundary=xyz");
        }
    }

    /// <summary>The real objects path parameters may name, made again when a fuzzed request deleted them.</summary>
    private sealed class Targets(PortalWebFactory factory)
    {
        private PortalActor? _admin;

        public string CustomerId { get; private set; } = "";

        public string TokenId { get; private set; } = "1";

        public async Task EnsureAsync()
        {
            _admin ??= await factory.AdminAsync();
            var users = factory.Services.GetRequiredService<UserAdminService>();
            if (CustomerId.Length == 0 || await users.GetAsync(_admin, CustomerId) is null)
            {
                var (customer, _) = await factory.CreateUserAsync($"fuzz-customer-{Guid.NewGuid():N}"[..24]);
                CustomerId = customer.UserId;
            }
            var instances = factory.Services.GetRequiredService<InstanceService>();
            if (await instances.FindByNameAsync(_admin, Instance) is null)
            {
                var owner = (await users.GetAsync(_admin, CustomerId))!;
                await ApiTestKit.InstanceAsync(factory, Instance, new PortalActor(owner.Id, owner.UserName, PortalRole.User));
            }
        }

        private string? _token;

        /// <summary>A personal token of the first administrator, made again when a fuzzed DELETE revoked it.</summary>
        public async Task<string> AdminTokenAsync()
        {
            var tokens = factory.Services.GetRequiredService<ApiTokenService>();
            if (_token is null || await tokens.ValidateAsync(_token) is null)
            {
                var created = await tokens.CreatePersonalAsync(_admin!, $"fuzz-{Guid.NewGuid():N}"[..20], 1);
                Assert.True(created.Succeeded, string.Join(",", created.Errors.Select(e => e.Code)));
                TokenId = created.Value!.Token.Id.ToString(CultureInfo.InvariantCulture);
                _token = created.Value.Secret;
            }
            return _token;
        }

        public string Real(string path, string parameter) => parameter switch
        {
            "name" => Instance,
            "id" when path.StartsWith("/api/v1/users", StringComparison.Ordinal) => CustomerId,
            _ => TokenId,
        };
    }
}
