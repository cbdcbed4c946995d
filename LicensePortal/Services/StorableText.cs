namespace LicensePortal.Services;

/// <summary>
/// Text a database can store: no U+0000 (PostgreSQL's text types refuse the byte, even in a comparison; SQLite would
/// keep it and cut it off in C tools) and no lone UTF-16 surrogate (it has no UTF-8 form: Npgsql's strict encoder
/// throws, Microsoft.Data.Sqlite's replaces it with U+FFFD, so SQLite would store other text than was given).
/// Every text input is asked before it reaches a query: the services' validation, the API's and the pages' doors.
/// </summary>
public static class StorableText
{
    /// <summary>The refusal's resource key (the field's message on pages, <c>detail</c> of the API's 400).</summary>
    public const string ErrorCode = "Error.UnstorableText";

    public static bool IsStorable(string? text)
    {
        if (text is null)
        {
            return true;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a pair: one code point outside the BMP, fine
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The refusal for <paramref name="field"/>, or null when its value can be stored.</summary>
    public static FieldError? Check(string field, string? value) => IsStorable(value) ? null : new FieldError(field, ErrorCode);

    /// <summary>The refusals of every named value that cannot be stored, in the order given.</summary>
    public static List<FieldError> Check(params ReadOnlySpan<(string Field, string? Value)> fields)
    {
        var errors = new List<FieldError>();
        foreach (var (field, value) in fields)
        {
            if (Check(field, value) is { } error)
            {
                errors.Add(error);
            }
        }
        return errors;
    }
}
