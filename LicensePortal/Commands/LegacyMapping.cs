using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Services;

namespace LicensePortal.Commands;

/// <summary>
/// How the first-generation system's rows become the portal's: every rule of <c>import-legacy</c> in one place. The
/// field rules themselves stay where they live (<see cref="UserRules"/>, <see cref="InstanceRules"/>,
/// <see cref="InstanceLifecycle"/>); this class only says which old value feeds which, and what the old values mean.
/// </summary>
public static class LegacyMapping
{
    /// <summary>The role of an old account: ADMINISTER (0x80) is an administrator, USER (0x02) a customer; neither: none (skipped).</summary>
    public static string? Role(LegacyRole? role) =>
        role is null ? null
        : (role.Permissions & (int)Permission.Administer) != 0 ? PortalRole.Administrator
        : (role.Permissions & (int)Permission.User) != 0 ? PortalRole.User
        : null;

    /// <summary>The old account as the portal's account input: trimmed, the phone number in E.164 (11 digits starting 1: +86).</summary>
    public static UserInput Account(LegacyUser user, string role) => new(
        user.UserName.Trim(),
        string.IsNullOrWhiteSpace(user.Email) ? null : user.Email.Trim(),
        string.IsNullOrWhiteSpace(user.Phone) ? null : UserRules.StoredPhone(user.Phone) ?? user.Phone.Trim(),
        user.Organization?.Trim() ?? "",
        user.OsAuthUrl?.Trim() ?? "",
        role,
        user.IsActive,
        user.Confirmed);

    /// <summary>The old hash when the portal can verify it (Werkzeug's format, kept verbatim); null: a generated password.</summary>
    public static string? UsableHash(string? passwordHash) =>
        WerkzeugPasswordHash.IsWellFormed(passwordHash) ? passwordHash : null;

    /// <summary>
    /// An old naive local time (the old system wrote datetime.now()) as UTC, in <paramref name="zone"/>. A time in a
    /// daylight-saving gap (never a real clock reading) is taken as the hour after it.
    /// </summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddHours(1);
        }
        return TimeZoneInfo.ConvertTimeToUtc(unspecified, zone);
    }

    /// <summary>
    /// The last day the license is valid: the UTC date of the moment the old expired_time named (the portal's expiry is a
    /// UTC date). No expiry at all (NULL) counts as already expired, the safe reading.
    /// </summary>
    public static DateOnly ExpiresOn(DateTime? expiredTime, TimeZoneInfo zone, DateTime now) =>
        expiredTime is { } t ? DateOnly.FromDateTime(ToUtc(t, zone)) : DateOnly.FromDateTime(now).AddDays(-1);

    /// <summary>The old instance had a host on file (its MAC or serial): it must upload host info from the new agent.</summary>
    public static bool HadHost(LegacyInstance instance) =>
        !string.IsNullOrWhiteSpace(instance.Mac) || !string.IsNullOrWhiteSpace(instance.SerialNumber);

    /// <summary>The old quotas, or null when one does not fit a 32-bit number (then out of range).</summary>
    public static InstanceQuotas? Quotas(LegacyInstance instance, DateOnly expiresOn)
    {
        long[] values = [instance.MaxVm, instance.MaxImage, instance.MaxUser, instance.MaxVcpu, instance.MaxVmem, instance.MaxVdisk];
        if (values.Any(v => v is < int.MinValue or > int.MaxValue))
        {
            return null;
        }
        return new InstanceQuotas((int)values[0], (int)values[1], (int)values[2], (int)values[3], (int)values[4], (int)values[5], expiresOn);
    }

    /// <summary>The old download count, kept as history (<see cref="Instance.ImportedDownloadCount"/>); a negative one is none.</summary>
    public static int ImportedDownloads(LegacyInstance instance) => (int)Math.Clamp(instance.Download, 0, int.MaxValue);

    /// <summary>The MAC and serial as the last known host (the portal's columns are the seed's size).</summary>
    public static (string Mac, string Serial) LastKnownHost(LegacyInstance instance) => (instance.Mac.Trim(), instance.SerialNumber.Trim());
}
