using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// The problem for a request the framework could not bind to an endpoint's parameters: malformed JSON, a JSON value of
/// the wrong type (with its property, as the client wrote it, in <c>field</c>), a missing body, a query value that is
/// not a number. The framework throws <see cref="BadHttpRequestException"/> for these (see
/// <see cref="AddApiBindingProblems"/>); <see cref="ApiProblems.UseApiProblems"/> answers with this.
/// </summary>
public static class ApiBindingProblems
{
    /// <summary>
    /// Binding failures throw (with the <see cref="JsonException"/> and its path inside) instead of a bare 400, so the
    /// API can name the field. Pages outside /api keep their plain status (see <see cref="ApiProblems.UseApiProblems"/>).
    /// </summary>
    public static IServiceCollection AddApiBindingProblems(this IServiceCollection services) =>
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

    public static IResult For(HttpContext context, BadHttpRequestException bad)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(bad);
        var text = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
        if (bad.StatusCode != StatusCodes.Status400BadRequest)
        {
            // 413 (body too large), 415 (not JSON) and the like: their own generic codes.
            return ApiProblems.Problem(text, bad.StatusCode, ApiProblems.CodeFor(bad.StatusCode));
        }
        var endpoint = context.GetEndpoint();
        if (bad.InnerException is JsonException json)
        {
            return Json(text, json, context, endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType);
        }
        if (endpoint?.Metadata.GetMetadata<IAcceptsMetadata>() is { IsOptional: false } && context.Request.ContentLength is null or 0
            && !context.Request.Headers.TransferEncoding.Any(v => v?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true))
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.BodyRequired");
        }
        if (UnreadableQueryValue(context, endpoint) is { } field)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError(field, "Error.WrongType", text[KindKey(QueryType(endpoint!, field))].Value));
        }
        return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, ApiProblems.CodeFor(StatusCodes.Status400BadRequest));
    }

    private static IResult Json(IStringLocalizer<SharedResource> text, JsonException json, HttpContext context, Type? bodyType)
    {
        // Broken syntax (System.Text.Json's own reader failed): where it broke, not a property, is what helps.
        if (json.InnerException?.GetType().Name == "JsonReaderException" || json.Path is null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, new FieldError("", "Error.MalformedJson",
                ((json.LineNumber ?? 0) + 1).ToString(CultureInfo.InvariantCulture), ((json.BytePositionInLine ?? 0) + 1).ToString(CultureInfo.InvariantCulture)));
        }
        // "$.quotas.maxVm" -> "quotas.maxVm"; "$" is the body itself (an array or a string where an object belongs).
        var field = json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path.TrimStart('$');
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var expected = bodyType is null ? null : TypeAt(options, bodyType, json.Path);
        // The field is the client's own spelling, so it is passed as is, not through ApiProblems.ApiField. A string
        // escaping a lone surrogate ("\ud800") is refused by System.Text.Json itself: that is text no database can store
        // (StorableText), not a wrong type.
        var error = IsInvalidUtf16(json)
            ? new FieldError(field, StorableText.ErrorCode)
            : new FieldError(field, "Error.WrongType", text[KindKey(expected)].Value);
        return TypedResults.Problem(detail: ApiProblems.Message(text, error), statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["code"] = error.Code, ["field"] = field });
    }

    /// <summary>The declared type at a JSON path ("$.names[2]", "$['max vm']") of the body type; null when the path leads nowhere known.</summary>
    public static Type? TypeAt(JsonSerializerOptions options, Type root, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(path);
        var type = root;
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            string? property = null;
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                property = path[(i + 1)..end];
                i = end;
            }
            else if (string.CompareOrdinal(path, i, "['", 0, 2) == 0)
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }
                property = path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0)
                {
                    return null;
                }
                i = end + 1;
                type = ElementType(type);
                if (type is null)
                {
                    return null;
                }
                continue;
            }
            else
            {
                return null;
            }
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            var match = info.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, property, options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                : null;
            if (match is null)
            {
                return null;
            }
            type = match.PropertyType;
        }
        return type;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    /// <summary>The resource key naming what a value of this type looks like ("a whole number", "a date (yyyy-MM-dd)").</summary>
    public static string KindKey(Type? type)
    {
        var t = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            null => "Json.Kind.Value",
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => "Json.Kind.Integer",
            _ when t == typeof(bool) => "Json.Kind.Boolean",
            _ when t == typeof(DateOnly) => "Json.Kind.Date",
            _ when t == typeof(DateTime) || t == typeof(DateTimeOffset) => "Json.Kind.DateTime",
            _ when t == typeof(Guid) => "Json.Kind.Uuid",
            _ when t == typeof(string) => "Json.Kind.Text",
            _ when ElementType(t) is not null => "Json.Kind.List",
            _ => "Json.Kind.Object",
        };
    }

    /// <summary>The first query parameter of the endpoint whose value does not parse as its declared number or true/false.</summary>
    private static string? UnreadableQueryValue(HttpContext context, Endpoint? endpoint)
    {
        if (endpoint is null)
        {
            return null;
        }
        foreach (var parameter in endpoint.Metadata.GetOrderedMetadata<IParameterBindingMetadata>())
        {
            var name = parameter.Name;
            if (!context.Request.Query.TryGetValue(name, out var values) || context.Request.RouteValues.ContainsKey(name))
            {
                continue;
            }
            var type = Nullable.GetUnderlyingType(parameter.ParameterInfo.ParameterType) ?? parameter.ParameterInfo.ParameterType;
            var value = values.ToString();
            var readable = type switch
            {
                _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                _ when type == typeof(bool) => bool.TryParse(value, out _),
                _ => true,
            };
            if (!readable)
            {
                return name;
            }
        }
        return null;
    }

    private static Type? QueryType(Endpoint endpoint, string name) =>
        endpoint.Metadata.GetOrderedMetadata<IParameterBindingMetadata>().FirstOrDefault(p => p.Name == name)?.ParameterInfo.ParameterType;

    /// <summary>
    /// System.Text.Json reports a wrong token type ("a string where a number goes") and invalid UTF-16 in a string alike,
    /// as an InvalidOperationException inside the JsonException; only its message ("Cannot read invalid UTF-16 JSON
    /// text...") tells them apart. The runtime's messages are English unless a language pack is installed, and the
    /// fallback is the old answer (a wrong type), so a miss is still a 400 on the field.
    /// </summary>
    private static bool IsInvalidUtf16(JsonException json) =>
        json.InnerException is InvalidOperationException inner && inner.Message.Contains("UTF-16", StringComparison.Ordinal);
}
