using System.Text.RegularExpressions;
using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>The rules an instance's name and quotas obey, shared by the pages and the API.</summary>
public static partial class InstanceRules
{
    /// <summary>Upper bounds that stop typing mistakes (an extra zero or three), far above any real deployment.</summary>
    public const int MaxDesktopsLimit = 100_000;
    public const int MaxImagesLimit = 10_000;
    public const int MaxUsersLimit = 1_000_000;
    public const int MaxVcpusLimit = 1_000_000;
    public const int MaxVmemGibLimit = 16_777_216; // 16 PiB
    public const int MaxVdiskGibLimit = 1_073_741_824; // 1 EiB
    public static readonly DateOnly LatestExpiry = new(2099, 12, 31);

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex NamePattern();

    public static string Normalize(string name) => name.Trim().ToUpperInvariant();

    public static IEnumerable<FieldError> ValidateName(string? name)
    {
        if (StorableText.Check(nameof(NewInstance.Name), name) is { } unstorable)
        {
            yield return unstorable;
        }
        else if (string.IsNullOrWhiteSpace(name))
        {
            yield return new FieldError(nameof(NewInstance.Name), "Error.Required");
        }
        else if (name.Length > Instance.NameMaxLength)
        {
            yield return new FieldError(nameof(NewInstance.Name), "Error.TooLong", Instance.NameMaxLength);
        }
        else if (!NamePattern().IsMatch(name))
        {
            yield return new FieldError(nameof(NewInstance.Name), "Error.InstanceNameChars");
        }
    }

    public static IEnumerable<FieldError> ValidateQuotas(InstanceQuotas quotas, DateOnly today, bool isNew)
    {
        foreach (var error in Range(nameof(InstanceQuotas.MaxDesktops), quotas.MaxDesktops, MaxDesktopsLimit)
            .Concat(Range(nameof(InstanceQuotas.MaxImages), quotas.MaxImages, MaxImagesLimit))
            .Concat(Range(nameof(InstanceQuotas.MaxUsers), quotas.MaxUsers, MaxUsersLimit))
            .Concat(Range(nameof(InstanceQuotas.MaxVcpus), quotas.MaxVcpus, MaxVcpusLimit))
            .Concat(Range(nameof(InstanceQuotas.MaxVmemGib), quotas.MaxVmemGib, MaxVmemGibLimit))
            .Concat(Range(nameof(InstanceQuotas.MaxVdiskGib), quotas.MaxVdiskGib, MaxVdiskGibLimit)))
        {
            yield return error;
        }
        if (isNew && quotas.ExpiresOn < today)
        {
            yield return new FieldError(nameof(InstanceQuotas.ExpiresOn), "Error.ExpiryInPast");
        }
        if (quotas.ExpiresOn > LatestExpiry)
        {
            yield return new FieldError(nameof(InstanceQuotas.ExpiresOn), "Error.ExpiryTooLate", LatestExpiry.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static IEnumerable<FieldError> Range(string field, int value, int max)
    {
        if (value < 0 || value > max)
        {
            yield return new FieldError(field, "Error.QuotaRange", 0, max);
        }
    }
}
