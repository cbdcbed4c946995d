using System.Globalization;
using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Agent;

/// <summary>
/// The text of STATE/high-water: <c>trusted-time: YYYY-MM-DDTHH:MM:SSZ</c>, then one <c>revision: N INSTANCE</c> line
/// per instance, each ending with LF. Anything else is refused: a damaged mark is not silently taken as "none".
/// </summary>
internal static class HighWaterFile
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string TimePrefix = "trusted-time: ";
    private const string RevisionPrefix = "revision: ";

    public static string Write(LicenseHighWater mark)
    {
        var sb = new StringBuilder();
        var time = mark.TrustedTime == DateTimeOffset.MinValue ? mark.TrustedTime : mark.TrustedTime.ToUniversalTime();
        sb.Append(TimePrefix).Append(time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (instance, revision) in mark.Revisions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            sb.Append(RevisionPrefix).Append(revision.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(instance).Append('\n');
        }

        return sb.ToString();
    }

    public static LicenseHighWater Parse(string text, string path)
    {
        var lines = text.Split('\n');
        if (lines.Length < 2 || lines[^1].Length != 0 || !lines[0].StartsWith(TimePrefix, StringComparison.Ordinal)
            || !DateTimeOffset.TryParseExact(lines[0][TimePrefix.Length..], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw Damaged(path);
        }

        var revisions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines[1..^1])
        {
            var space = line.IndexOf(' ', RevisionPrefix.Length);
            if (!line.StartsWith(RevisionPrefix, StringComparison.Ordinal) || space < 0
                || !int.TryParse(line.AsSpan(RevisionPrefix.Length, space - RevisionPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
                || !revisions.TryAdd(line[(space + 1)..], revision))
            {
                throw Damaged(path);
            }
        }

        return new LicenseHighWater(time, revisions);
    }

    private static AgentException Damaged(string path) => new(ExitCodes.Environment,
        $"{path} is damaged: it is not a high-water mark the agent wrote. Restore it from a backup of the state directory.");
}
