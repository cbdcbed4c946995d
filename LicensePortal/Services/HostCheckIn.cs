using System.Globalization;
using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>What a host agent reported at a check-in: its version and the license revision installed (null: none).</summary>
public sealed record HostCheckInReport(string AgentVersion, int? InstalledRevision);

/// <summary>An instance's last check-in as pages show it; <see cref="LastSeenAt"/> null when its host never checked in.</summary>
public sealed record HostCheckIn(int InstanceId, string OwnerId, DateTime? LastSeenAt, int? Revision, string AgentVersion);

/// <summary>
/// The rules of a check-in: what a host may report (it is untrusted), and "not seen for N days". A check-in is the
/// host agent's license request (<c>activate</c>, <c>renew</c>) carrying its version; the portal's clock says when.
/// </summary>
public static class HostCheckInRules
{
    /// <summary>The longest agent version stored (the column's length).</summary>
    public const int MaxAgentVersionLength = 64;

    /// <summary>The longest "not seen for" period a listing accepts (ten years).</summary>
    public const int MaxNotSeenForDays = 3650;

    /// <summary>The support desk's choices of "not seen for N days".</summary>
    public static IReadOnlyList<int> NotSeenChoices { get; } = [1, 7, 30];

    /// <summary>1-64 printable ASCII characters (U+0020-U+007E), no space at either end.</summary>
    public static bool IsValidAgentVersion(string? version) =>
        version is { Length: > 0 and <= MaxAgentVersionLength } && version.All(c => c is >= ' ' and <= '~') && version[0] != ' ' && version[^1] != ' ';

    /// <summary>A non-negative decimal integer that fits an int: digits only, no sign, no spaces.</summary>
    public static bool TryParseRevision(string? text, out int revision)
    {
        revision = 0;
        return !string.IsNullOrEmpty(text) && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out revision);
    }

    /// <summary>A report that passed <see cref="IsValidAgentVersion"/> and has no negative revision.</summary>
    public static bool IsValid(HostCheckInReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return IsValidAgentVersion(report.AgentVersion) && report.InstalledRevision is null or >= 0;
    }

    /// <summary>Whether <paramref name="days"/> is a "not seen for" period a listing accepts (1-3650).</summary>
    public static bool IsValidNotSeenForDays(int days) => days is >= 1 and <= MaxNotSeenForDays;

    /// <summary>
    /// Instances whose host last checked in more than <paramref name="days"/> days before <paramref name="now"/>: a range
    /// on the LastSeenAt index. Hosts that never checked in are not in it (hosts installed by hand never do: they would
    /// fill every such list); the whole query when <paramref name="days"/> is null.
    /// </summary>
    public static IQueryable<Instance> NotSeenFor(this IQueryable<Instance> instances, int? days, DateTime now)
    {
        if (days is not { } d)
        {
            return instances;
        }
        var cutoff = now.AddDays(-Math.Clamp(d, 0, MaxNotSeenForDays));
        return instances.Where(i => i.LastSeenAt < cutoff);
    }
}
