using System.Reflection;
using LicensePortal.Resources;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// Refuses U+0000 anywhere in an /api/v1 call's text (path and query values, JSON string properties and string lists)
/// with 400 <c>Error.InvalidValue</c> on that field, before any handler runs. No field of the portal may hold it, and
/// PostgreSQL cannot store or even compare it (its text types refuse the byte): without this, such a value was a 500.
/// </summary>
public static class NullCharacterFilter
{
    public static async ValueTask<object?> RefuseAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var parameters = invocation.HttpContext.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>()?.GetParameters();
        for (var i = 0; i < invocation.Arguments.Count; i++)
        {
            var name = parameters is not null && i < parameters.Length ? parameters[i].Name ?? "" : "";
            if (FieldWithNull(invocation.Arguments[i], name) is { } field)
            {
                var text = invocation.HttpContext.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
                return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, "Error.InvalidValue", ApiProblems.ApiField(field));
            }
        }
        return await next(invocation);
    }

    /// <summary>The field holding U+0000: the argument itself, or a string (or list of strings) property of a request body.</summary>
    private static string? FieldWithNull(object? argument, string name)
    {
        switch (argument)
        {
            case string s:
                return s.Contains('\0', StringComparison.Ordinal) ? name : null;
            case null:
                return null;
        }
        var type = argument.GetType();
        if (type.Namespace != typeof(NullCharacterFilter).Namespace)
        {
            return null; // services, HttpContext, numbers: not the caller's text
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(argument);
            var hasNull = value switch
            {
                string s => s.Contains('\0', StringComparison.Ordinal),
                IEnumerable<string> list => list.Any(s => s?.Contains('\0', StringComparison.Ordinal) == true),
                _ => false,
            };
            if (hasNull)
            {
                return property.Name;
            }
        }
        return null;
    }
}
