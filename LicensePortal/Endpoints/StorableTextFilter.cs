using System.Reflection;
using LicensePortal.Endpoints.Api;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints;

/// <summary>
/// The HTTP door of <see cref="StorableText"/>: refuses text no database can store anywhere in an endpoint's bound
/// arguments (route, query and form values, JSON string properties and string lists, nested request objects) with 400
/// <see cref="StorableText.ErrorCode"/> on that field, before the handler runs, so it never reaches a query.
/// </summary>
public static class StorableTextFilter
{
    public static async ValueTask<object?> RefuseAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var parameters = invocation.HttpContext.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>()?.GetParameters();
        for (var i = 0; i < invocation.Arguments.Count; i++)
        {
            var name = parameters is not null && i < parameters.Length ? parameters[i].Name ?? "" : "";
            if (Unstorable(invocation.Arguments[i], name, depth: 0) is { } field)
            {
                var text = invocation.HttpContext.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
                return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, StorableText.ErrorCode, ApiProblems.ApiField(field));
            }
        }
        return await next(invocation);
    }

    /// <summary>Adds the filter to endpoints outside the API group (the seed's URLs).</summary>
    public static TBuilder RefuseUnstorableText<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(RefuseAsync);

    /// <summary>The field holding unstorable text: the argument itself, or a property of a request object (dotted when nested).</summary>
    private static string? Unstorable(object? argument, string name, int depth)
    {
        switch (argument)
        {
            case null:
                return null;
            case string s:
                return StorableText.IsStorable(s) ? null : name;
            case IEnumerable<string?> list:
                return list.All(StorableText.IsStorable) ? null : name;
        }
        var type = argument.GetType();
        if (depth > 3 || type.Namespace != typeof(ApiProblems).Namespace)
        {
            return null; // services, HttpContext, numbers: not the caller's text
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0
                && Unstorable(property.GetValue(argument), property.Name, depth + 1) is { } field)
            {
                return field;
            }
        }
        return null;
    }
}
