using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace LicensePortal.Options;

/// <summary>Configuration section "LiveUpdates": how changes travel between portal nodes.</summary>
public sealed class LiveUpdatesOptions
{
    public const string Section = "LiveUpdates";

    /// <summary>
    /// A Redis server (StackExchange.Redis configuration, e.g. "redis:6379,password=..."): changes travel between
    /// nodes by Redis pub/sub. Empty (default): by PostgreSQL LISTEN/NOTIFY when the database is PostgreSQL, and not at
    /// all on SQLite (one node).
    /// </summary>
    public string Redis { get; set; } = "";

    /// <summary>
    /// The start of the Redis channel names ("&lt;prefix&gt;:instances", "&lt;prefix&gt;:vendorkeys"), so that several
    /// portals can share one Redis server. Default "licenseportal".
    /// </summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string ChannelPrefix { get; set; } = "licenseportal";

    /// <summary>Empty, or a configuration the Redis client accepts (checked at start, so a typo stops the portal with a clear message).</summary>
    public static bool IsValidRedis(string? redis)
    {
        if (string.IsNullOrWhiteSpace(redis))
        {
            return true;
        }
        try
        {
            return ConfigurationOptions.Parse(redis).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
