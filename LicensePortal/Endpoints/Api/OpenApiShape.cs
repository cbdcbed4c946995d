using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// The API's JSON and the document describing it (/openapi/v1.json) agree exactly: numbers are JSON numbers (no quoted
/// numbers read, none described), a request property is nullable only where null means something of its own, every
/// property of an answer is always present, and every operation lists the problems it can answer with.
/// </summary>
public static class OpenApiShape
{
    public const string ProblemSchema = "ProblemDetails";

    /// <summary>
    /// Request properties that must be present (and not null). Create and update share their request types, so what
    /// only creating needs (an instance's name, owner and expiry; a user's name) is in the operation's description.
    /// </summary>
    private static readonly Dictionary<Type, string[]> RequiredInRequests = new()
    {
        [typeof(UserStatusRequest)] = ["isActive"],
        [typeof(DeleteUsersRequest)] = ["ids"],
        [typeof(DeleteInstancesRequest)] = ["names"],
        [typeof(HostIdentifierToleranceRequest)] = ["hostIdentifierTolerance"],
        [typeof(PasswordTokenRequest)] = ["userName", "password", "name"],
    };

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Users"] = "Accounts (the seed's 用户管理): administrators manage them, support staff read them.",
        ["Instances"] = "Instances (the seed's 实例管理), their host info, licenses, history and activation tokens.",
        ["Host binding"] = "Rebind requests an administrator approves or denies, and the host identifier tolerance.",
        ["Tokens"] = "Personal API tokens: one from a user name and password, listed and revoked by their owner.",
        ["Vendor keys"] = "The vendor's signing keys and the root they chain to (public).",
        ["Webhooks"] = "Endpoints that receive signed event notifications, their delivery log and redelivery (administrators; docs/webhooks.md).",
    };

    public static IServiceCollection AddPortalOpenApi(this IServiceCollection services)
    {
        // The web defaults read "5" as 5, and the document then types every integer as integer-or-string: a quota
        // sent as a string is a type error instead (400 Error.WrongType on its field).
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services.AddOpenApi(o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true;
            o.AddSchemaTransformer(ShapeSchema);
            o.AddOperationTransformer(AddCommonProblems);
            o.AddDocumentTransformer(ShapeDocument);
        });
    }

    private static Task ShapeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is not null || schema.Properties is not { Count: > 0 } properties)
        {
            return Task.CompletedTask;
        }
        if (type == typeof(ProblemDetails))
        {
            // The portal's problems carry a stable code and the failing field (see ApiProblems), and always these.
            string[] always = ["type", "title", "status", "detail", "code", "field"];
            foreach (var name in always)
            {
                if (properties.TryGetValue(name, out var p) && p is OpenApiSchema known && known.Type is { } t)
                {
                    known.Type = t & ~JsonSchemaType.Null;
                }
            }
            schema.Required = new HashSet<string>(always, StringComparer.Ordinal);
            properties["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable error code (a resource key), e.g. Error.WrongType." };
            properties["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The failing JSON property or query parameter as the client wrote it; empty for the request as a whole." };
            properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "With several field errors, all of them.",
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "field", "code", "detail" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["field"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["code"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                },
            };
            return Task.CompletedTask;
        }
        if (type.Namespace != typeof(OpenApiShape).Namespace)
        {
            return Task.CompletedTask;
        }
        if (IsRequest(type))
        {
            // A property left out keeps its value (or takes its default); null is read the same way, but a client
            // should leave the property out, so no property is described as nullable.
            schema.Required = new HashSet<string>(RequiredInRequests.GetValueOrDefault(type, []), StringComparer.Ordinal);
            foreach (var property in properties.Values.OfType<OpenApiSchema>())
            {
                if (property.Type is { } t && t != JsonSchemaType.Null)
                {
                    property.Type = t & ~JsonSchemaType.Null;
                }
            }
        }
        else
        {
            // Answers are written whole: every property is there, null where its type says so.
            schema.Required = new HashSet<string>(properties.Keys, StringComparer.Ordinal);
        }
        return Task.CompletedTask;
    }

    /// <summary>The host info upload reads its body itself: the file as the body (octet-stream or text), or multipart field "file".</summary>
    public static Task HostInfoFileBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var file = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "The host info file written by `licenseportal-agent hostinfo` (64 KiB at most).",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/octet-stream"] = new() { Schema = file },
                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "file" },
                        Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = file },
                    },
                },
            },
        };
        return Task.CompletedTask;
    }

    public static bool IsRequest(Type type) => type.Name.EndsWith("Request", StringComparison.Ordinal);

    /// <summary>The problems every operation of a kind can answer: authentication, binding, routes, body limits and rate limits.</summary>
    private static Task AddCommonProblems(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var path = context.Description.RelativePath ?? "";
        var hasBody = operation.RequestBody is not null;
        var hasQuery = operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        operation.Responses ??= [];
        if (hasBody || hasQuery)
        {
            Add(operation, context, StatusCodes.Status400BadRequest,
                "The request could not be read: JSON that does not parse (Error.MalformedJson), a value of the wrong type " +
                "(Error.WrongType; field: the property as written), a missing body (Error.BodyRequired), or a query value out of range.");
        }
        if (!anonymous)
        {
            Add(operation, context, StatusCodes.Status401Unauthorized, "No valid bearer token (Authorization: Bearer …) or sign-in cookie.");
            Add(operation, context, StatusCodes.Status403Forbidden,
                "The caller may not do this: the account's role, an activation token outside its instance (Token.ActivationScope), a change sent " +
                "with the sign-in cookie instead of a token (Error.BearerTokenRequired) or a cookie request from another site (Error.CrossSiteRequest).");
        }
        if (path.Contains('{', StringComparison.Ordinal))
        {
            Add(operation, context, StatusCodes.Status404NotFound, "Nothing by that name or id that the caller may see.");
        }
        if (hasBody)
        {
            Add(operation, context, StatusCodes.Status413PayloadTooLarge, "The body is larger than this operation accepts.");
            Add(operation, context, StatusCodes.Status415UnsupportedMediaType, "The body's Content-Type is not one this operation reads.");
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Add(operation, context, StatusCodes.Status429TooManyRequests, "Too many requests from this client or account; Retry-After says when to try again.");
        }
        Add(operation, context, StatusCodes.Status503ServiceUnavailable,
            "The database is unavailable for the moment (Error.DatabaseUnavailable); Retry-After says when to try again.");
        return Task.CompletedTask;
    }

    private static void Add(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing))
        {
            // Declared on the endpoint (ProducesProblem): keep its schema, give it words if it has none of its own.
            if (existing is OpenApiResponse declared && (string.IsNullOrEmpty(declared.Description) || declared.Description == ReasonPhrase(status)))
            {
                declared.Description = description;
            }
            return;
        }
        operation.Responses[key] = Problem(context.Document, description);
    }

    private static OpenApiResponse Problem(OpenApiDocument? document, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
        },
    };

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static async Task ShapeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "LicensePortal API",
            Version = "v1",
            Description = "Every action of the portal for scripts: users, instances, host info, licenses, host binding, tokens and vendor keys. " +
                "Authenticate with a personal or activation token (Authorization: Bearer …); the portal's sign-in cookie only reads (a change riding on it " +
                "is 403 Error.BearerTokenRequired, and no cookie request from another site is taken: Error.CrossSiteRequest). Errors are RFC 9457 " +
                "problem details (application/problem+json) with a stable `code`, the failing `field` and a `detail` in the caller's language " +
                "(Accept-Language: zh-CN or en). Numbers are JSON numbers; dates are yyyy-MM-dd, times ISO 8601 in UTC.",
            Contact = new OpenApiContact { Name = "The portal's operator" },
        };
        // The server is the request's own address ("http://host/"); a URL ending in "/" would double the paths' slash.
        foreach (var server in document.Servers ?? [])
        {
            if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
            {
                server.Url = url.TrimEnd('/');
            }
        }
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
        // The common problems refer to ProblemDetails; make sure it is there even if no endpoint declared one itself.
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(ProblemSchema))
        {
            document.AddComponent(ProblemSchema, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
        }
    }
}
