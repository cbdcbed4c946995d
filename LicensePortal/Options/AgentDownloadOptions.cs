namespace LicensePortal.Options;

/// <summary>Configuration section "Agent": where administrators put the published host agent the portal hands out.</summary>
public sealed class AgentDownloadOptions
{
    public const string Section = "Agent";

    /// <summary>
    /// Folder holding <c>licenseportal-agent</c>, the output of
    /// <c>dotnet publish LicensePortal.Agent -c Release -r linux-x64 -p:VendorRootPublicKeyFile=PATH -o DIR</c>.
    /// Relative paths are resolved against the content root. Default: data/agent beside the app.
    /// </summary>
    public string? DownloadDirectory { get; set; }

    /// <summary>The download directory as an absolute path.</summary>
    public static string ResolveDownloadDirectory(AgentDownloadOptions options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        return Path.GetFullPath(options.DownloadDirectory is { Length: > 0 } dir ? dir : Path.Combine("data", "agent"), environment.ContentRootPath);
    }
}
