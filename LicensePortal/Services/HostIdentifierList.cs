using LicensePortal.Licensing;

namespace LicensePortal.Services;

/// <summary>How an instance stores its host's identifiers, and how many of them a license needs.</summary>
public static class HostIdentifierList
{
    /// <summary>The canonical <c>kind value</c> lines joined by LF.</summary>
    public static string Format(IEnumerable<HostIdentifier> identifiers) => string.Join('\n', identifiers);

    /// <summary>The stored identifiers; empty for host info from before they were recorded (or a damaged value).</summary>
    public static IReadOnlyList<HostIdentifier> Parse(string stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return [];
        }
        var parsed = new List<HostIdentifier>();
        foreach (var line in stored.Split('\n'))
        {
            if (!HostIdentifier.TryParse(line, out var identifier))
            {
                return [];
            }
            parsed.Add(identifier);
        }
        return HostIdentifier.TryCanonicalize(parsed, out var sorted) ? sorted : [];
    }

    /// <summary>
    /// The identifiers a license for this host records: the stored ones, or for host info from before they were recorded
    /// its MAC and serial; none without a host on file.
    /// </summary>
    public static IReadOnlyList<HostIdentifier> OnFile(string stored, string mac, string serialNumber)
    {
        if (Parse(stored) is { Count: > 0 } parsed)
        {
            return parsed;
        }
        return HostIdentity.TryNormalizeMac(mac, out _) && HostIdentity.IsValidSerial(serialNumber) ? new HostIdentity(mac, serialNumber).Identifiers : [];
    }

    /// <summary>All of <paramref name="count"/> but <paramref name="tolerance"/>, and never fewer than one.</summary>
    public static int RequiredMatches(int count, int tolerance) => Math.Max(1, count - Math.Max(0, tolerance));
}
