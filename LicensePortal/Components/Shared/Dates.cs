using System.Globalization;

namespace LicensePortal.Components.Shared;

/// <summary>
/// The one way pages show dates and times, in both languages: ISO 8601 (yyyy-MM-dd, a 24-hour clock, times in UTC), the
/// same as the API, the license files and the audit CSV, so a date copied from a page means the same everywhere.
/// </summary>
public static class Dates
{
    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A UTC time without its zone, where the sentence or the column names it ("paused until {0} UTC", "Changed (UTC)").</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A UTC time on its own: "2026-12-02 05:30:00 UTC".</summary>
    public static string TimeUtc(DateTime utc) => Time(utc) + " UTC";

    public static string TimeUtc(DateTimeOffset time) => TimeUtc(time.UtcDateTime);
}
