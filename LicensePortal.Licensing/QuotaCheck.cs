using System.Globalization;

namespace LicensePortal.Licensing;

/// <summary>The quotas a license limits.</summary>
public enum QuotaKind
{
    /// <summary>Concurrent desktops.</summary>
    Desktops = 1,

    /// <summary>Images.</summary>
    Images = 2,

    /// <summary>Concurrent users.</summary>
    Users = 3,

    /// <summary>Virtual CPUs.</summary>
    Vcpus = 4,

    /// <summary>Virtual memory, GiB.</summary>
    VmemGib = 5,

    /// <summary>Virtual disk, GiB.</summary>
    VdiskGib = 6,
}

/// <summary>What the product uses right now.</summary>
/// <param name="Desktops">Concurrent desktops.</param>
/// <param name="Images">Images.</param>
/// <param name="Users">Concurrent users.</param>
/// <param name="Vcpus">Virtual CPUs.</param>
/// <param name="VmemGib">Virtual memory, GiB.</param>
/// <param name="VdiskGib">Virtual disk, GiB.</param>
public sealed record QuotaUsage(long Desktops, long Images, long Users, long Vcpus, long VmemGib, long VdiskGib);

/// <summary>One exceeded quota.</summary>
/// <param name="Kind">Which quota.</param>
/// <param name="Used">How much is used.</param>
/// <param name="Allowed">How much the license allows.</param>
/// <param name="Message">English message naming the quota, used and allowed.</param>
public sealed record QuotaViolation(QuotaKind Kind, long Used, long Allowed, string Message);

/// <summary>The outcome of <see cref="QuotaCheck.Check"/>.</summary>
/// <param name="Exceeded">Exceeded quotas, in the seed's order; empty if none.</param>
/// <param name="Expired">True when the license expiry date is before today's UTC date.</param>
/// <param name="ExpiredMessage">English message when expired, otherwise null.</param>
public sealed record QuotaCheckResult(IReadOnlyList<QuotaViolation> Exceeded, bool Expired, string? ExpiredMessage)
{
    /// <summary>True when nothing is exceeded and the license has not expired.</summary>
    public bool IsWithinLicense => Exceeded.Count == 0 && !Expired;
}

/// <summary>
/// The old client's check_max_desktops / images / users / vcpu / vmem / vdisk and check_expired_time as one
/// method. A quota is exceeded when usage is strictly greater than the allowance.
/// </summary>
public static class QuotaCheck
{
    /// <summary>English display names, used in messages.</summary>
    public static string DisplayName(QuotaKind kind) => kind switch
    {
        QuotaKind.Desktops => "concurrent desktops",
        QuotaKind.Images => "images",
        QuotaKind.Users => "concurrent users",
        QuotaKind.Vcpus => "virtual CPUs",
        QuotaKind.VmemGib => "virtual memory (GiB)",
        QuotaKind.VdiskGib => "virtual disk (GiB)",
        _ => kind.ToString(),
    };

    /// <summary>Checks usage against a license.</summary>
    /// <param name="license">The installed license content.</param>
    /// <param name="usage">Current usage.</param>
    /// <param name="now">The current time (expiry is compared with its UTC date).</param>
    /// <returns>Exceeded quotas and the expired flag.</returns>
    public static QuotaCheckResult Check(LicenseContent license, QuotaUsage usage, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(license);
        ArgumentNullException.ThrowIfNull(usage);
        var pairs = new (QuotaKind Kind, long Used, long Allowed)[]
        {
            (QuotaKind.Desktops, usage.Desktops, license.MaxDesktops),
            (QuotaKind.Images, usage.Images, license.MaxImages),
            (QuotaKind.Users, usage.Users, license.MaxUsers),
            (QuotaKind.Vcpus, usage.Vcpus, license.MaxVcpus),
            (QuotaKind.VmemGib, usage.VmemGib, license.MaxVmemGib),
            (QuotaKind.VdiskGib, usage.VdiskGib, license.MaxVdiskGib),
        };
        var exceeded = new List<QuotaViolation>();
        foreach (var (kind, used, allowed) in pairs)
        {
            if (used > allowed)
            {
                exceeded.Add(new QuotaViolation(kind, used, allowed, string.Create(CultureInfo.InvariantCulture, $"Quota exceeded: {DisplayName(kind)}: {used} used, {allowed} allowed.")));
            }
        }

        var expired = license.ExpiresOn < DateOnly.FromDateTime(now.UtcDateTime);
        var message = expired ? string.Create(CultureInfo.InvariantCulture, $"The license expired on {license.ExpiresOn:yyyy-MM-dd}.") : null;
        return new QuotaCheckResult(exceeded, expired, message);
    }
}
