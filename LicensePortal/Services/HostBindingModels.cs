using LicensePortal.Data;
using LicensePortal.Licensing;

namespace LicensePortal.Services;

/// <summary>
/// A rebind request: the host of a valid host info file for another host key, kept on the instance until an
/// administrator approves or denies it (<see cref="Instance.PendingHostInfo"/>).
/// </summary>
public sealed record PendingHost(string HostKeyFingerprint, string Mac, string SerialNumber, IReadOnlyList<HostIdentifier> Identifiers, DateTime UploadedAt, string UploadedBy)
{
    /// <summary>The pending host of a host info file uploaded at <paramref name="at"/> by <paramref name="by"/>.</summary>
    public static PendingHost From(HostInfo hostInfo, DateTime at, string by)
    {
        ArgumentNullException.ThrowIfNull(hostInfo);
        return new(hostInfo.HostKeyFingerprint, hostInfo.Mac, hostInfo.SerialNumber, hostInfo.Identity.Identifiers, at, by);
    }

    /// <summary>The instance's pending host; null when there is none (or its stored file no longer reads as host info).</summary>
    public static PendingHost? Of(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.PendingHostInfo.Length == 0)
        {
            return null;
        }
        try
        {
            return From(HostInfoFile.Parse(instance.PendingHostInfo), instance.PendingHostAt ?? default, instance.PendingHostBy);
        }
        catch (HostInfoException)
        {
            return null;
        }
    }
}

/// <summary>What differs between the host on file and the pending one.</summary>
/// <param name="HostKeyChanged">Another host key (always, for a rebind request).</param>
/// <param name="MacChanged">Another primary MAC address.</param>
/// <param name="SerialChanged">Another serial number.</param>
/// <param name="Added">Identifiers the pending host presents that the host on file does not.</param>
/// <param name="Missing">Identifiers of the host on file that the pending host lacks.</param>
public sealed record HostDifference(bool HostKeyChanged, bool MacChanged, bool SerialChanged, IReadOnlyList<HostIdentifier> Added, IReadOnlyList<HostIdentifier> Missing);

/// <summary>
/// An instance's binding to its host as the instance page and the API show it: the host's identifiers on file, the
/// tolerance a license gets, and a pending rebind request with what it would change.
/// </summary>
public sealed record HostBindingView(InstanceRow Instance, string HostKeyFingerprint, IReadOnlyList<HostIdentifier> Identifiers, PendingHost? Pending)
{
    /// <summary>How many of <see cref="Identifiers"/> may be missing on the host before its license stops.</summary>
    public int Tolerance => Instance.HostIdentifierTolerance;

    /// <summary>How many of <see cref="Identifiers"/> the next license needs on the host.</summary>
    public int RequiredMatches => HostIdentifierList.RequiredMatches(Identifiers.Count, Tolerance);

    /// <summary>What approving the pending host would change; null without one.</summary>
    public HostDifference? Difference => Pending is not { } pending ? null : new(
        !string.Equals(pending.HostKeyFingerprint, HostKeyFingerprint, StringComparison.OrdinalIgnoreCase),
        !string.Equals(pending.Mac, Instance.Mac, StringComparison.OrdinalIgnoreCase),
        !string.Equals(pending.SerialNumber, Instance.SerialNumber, StringComparison.Ordinal),
        pending.Identifiers.Except(Identifiers).ToList(),
        Identifiers.Except(pending.Identifiers).ToList());

    /// <summary>The tolerances an administrator may choose: 0 (strict) to <see cref="Instance.MaxHostIdentifierTolerance"/>.</summary>
    public static IReadOnlyList<int> Tolerances { get; } = Enumerable.Range(0, Data.Instance.MaxHostIdentifierTolerance + 1).ToArray();
}
