namespace LicensePortal.Services;

/// <summary>
/// A rule broken by the input. <see cref="Code"/> is a resource key (Resources/SharedResource.resx) so every front end
/// (pages, the JSON API) shows the same message in the user's language; <see cref="Arguments"/> fill its placeholders.
/// </summary>
public sealed record FieldError(string Field, string Code, params object[] Arguments);

/// <summary>Why an operation did not happen, apart from bad input.</summary>
public enum Failure
{
    None,
    Invalid,
    NotFound,
    Forbidden,
    Conflict,
}

/// <summary>The outcome of a service call: a value, or a failure with field errors. Nothing was saved unless it succeeded.</summary>
public sealed record ServiceResult<T>(T? Value, Failure Failure, IReadOnlyList<FieldError> Errors)
{
    public bool Succeeded => Failure == Failure.None;

    /// <summary>For a refusal that waiting ends (DOWNLOADERROR): when a new request can succeed (UTC). Answers send it as Retry-After.</summary>
    public DateTime? RetryAt { get; init; }

    public static ServiceResult<T> Ok(T value) => new(value, Failure.None, []);

    public static ServiceResult<T> Invalid(IReadOnlyList<FieldError> errors) => new(default, Failure.Invalid, errors);

    public static ServiceResult<T> Invalid(string field, string code, params object[] args) => new(default, Failure.Invalid, [new FieldError(field, code, args)]);

    public static ServiceResult<T> NotFound() => new(default, Failure.NotFound, [new FieldError("", "Error.NotFound")]);

    public static ServiceResult<T> Forbidden() => new(default, Failure.Forbidden, [new FieldError("", "Error.Forbidden")]);

    /// <summary>Someone else saved first; <paramref name="current"/> holds what is stored now.</summary>
    public static ServiceResult<T> Conflict(T current) => new(current, Failure.Conflict, [new FieldError("", "Error.Conflict")]);
}

/// <summary>One item of a bulk operation: which succeeded, which failed and why.</summary>
public sealed record BulkItemResult(string Key, bool Succeeded, string? ErrorCode);

/// <summary>A page of a listing, with the total across all pages.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int TotalCount)
{
    /// <summary>The listing stopped counting: there are more than <see cref="TotalCount"/> rows (shown as "N+").</summary>
    public bool TotalCapped { get; init; }
}
