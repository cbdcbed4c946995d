using System.Globalization;
using System.Net.Http.Headers;
using System.Reflection;

namespace LicensePortal.Agent.Commands;

/// <summary>
/// What <c>activate</c> and <c>renew</c> tell the portal about this host (its check-in): the agent's version and the
/// license revision installed when it calls, as two request headers on the license request it makes anyway. The portal
/// records them with its own clock as the instance's "last seen". Nothing secret and nothing that identifies the host
/// beyond what it already uploaded.
/// </summary>
/// <param name="AgentVersion">This agent's version: 1-64 printable ASCII characters.</param>
/// <param name="InstalledRevision">The revision of the installed license, or null when none is installed.</param>
public sealed record CheckInReport(string AgentVersion, int? InstalledRevision)
{
    /// <summary>The agent's version (the assembly's informational version, e.g. <c>1.0.0+COMMIT</c>).</summary>
    public const string AgentVersionHeader = "X-Agent-Version";

    /// <summary>The installed license's revision, a non-negative decimal integer; absent when nothing is installed.</summary>
    public const string InstalledRevisionHeader = "X-Installed-Revision";

    /// <summary>The longest version the portal accepts.</summary>
    public const int MaxVersionLength = 64;

    /// <summary>This executable's version, as the portal accepts it (see <see cref="Sanitize"/>).</summary>
    public static string CurrentAgentVersion { get; } = Sanitize(
        typeof(CheckInReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>
    /// The report for <paramref name="instance"/>: the installed revision is the high-water mark's for that instance, which
    /// install raises right after replacing license.lic (so it is the installed license's revision; after a crash between
    /// the two writes, the one before it). No license.lic, or a mark that cannot be read, reports none: the install step
    /// then says what is wrong, as it did before check-ins existed.
    /// </summary>
    /// <param name="state">The state directory.</param>
    /// <param name="instance">The instance the agent activates (any case).</param>
    /// <returns>The report.</returns>
    public static CheckInReport For(AgentState state, string instance)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!File.Exists(state.LicensePath))
        {
            return new CheckInReport(CurrentAgentVersion, null);
        }
        try
        {
            var revisions = state.ReadHighWater().Revisions;
            int? revision = revisions.Where(r => string.Equals(r.Key, instance, StringComparison.OrdinalIgnoreCase)).Select(r => (int?)r.Value).Max();
            return new CheckInReport(CurrentAgentVersion, revision);
        }
        catch (AgentException)
        {
            return new CheckInReport(CurrentAgentVersion, null);
        }
    }

    /// <summary>Adds the two headers (the revision only when there is one).</summary>
    /// <param name="headers">A request's headers.</param>
    public void AddTo(HttpRequestHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.TryAddWithoutValidation(AgentVersionHeader, AgentVersion);
        if (InstalledRevision is { } revision)
        {
            headers.TryAddWithoutValidation(InstalledRevisionHeader, revision.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// A version the portal accepts: printable ASCII (U+0020-U+007E) without spaces at either end, at most 64 characters.
    /// A longer one loses its build metadata ("+…") first, then is cut; anything else becomes '?'; none is "unknown".
    /// </summary>
    /// <param name="version">The informational version.</param>
    /// <returns>The version to send.</returns>
    public static string Sanitize(string? version)
    {
        var text = new string((version ?? "").Trim().Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        if (text.Length > MaxVersionLength && text.IndexOf('+', StringComparison.Ordinal) is > 0 and var plus)
        {
            text = text[..plus];
        }
        text = text.Length > MaxVersionLength ? text[..MaxVersionLength].TrimEnd() : text;
        return text.Length == 0 ? "unknown" : text;
    }
}
