using System.ComponentModel.DataAnnotations;

namespace LicensePortal.Options;

/// <summary>Configuration section "Licensing".</summary>
public sealed class LicensingOptions
{
    public const string Section = "Licensing";

    /// <summary>
    /// Folder of the vendor root public key, the signing keys and their certificates (and, in the embedded default, the root
    /// private key), outside wwwroot, readable only by the portal's user. Default: data/keys beside the app.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>How long a signing key certified by an online root may sign licenses (its certificate's validity). Default: 5 years.</summary>
    public TimeSpan CertificateValidity { get; set; } = TimeSpan.FromDays(1826);

    /// <summary>The key directory as an absolute path.</summary>
    public static string ResolveKeyDirectory(LicensingOptions options, IHostEnvironment environment) =>
        Path.GetFullPath(options.KeyDirectory is { Length: > 0 } dir ? dir : Path.Combine("data", "keys"), environment.ContentRootPath);

    /// <summary>Downloads allowed per instance within <see cref="DownloadWindow"/>; one more moves it to DOWNLOADERROR.</summary>
    [Range(1, 10_000)]
    public int DownloadLimit { get; set; } = 5;

    public TimeSpan DownloadWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long DOWNLOADERROR lasts before the instance returns to TODOWNLOAD by itself.</summary>
    public TimeSpan DownloadCoolDown { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the background sweep expires instances and ends cool-downs.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest host info file accepted, in bytes, by the page, the seed's /upload_hostinfo and the API alike (the format's
    /// own limit, <see cref="Licensing.HostInfoFile.MaxBytes"/> = 64 KiB, is also the most this may be).
    /// </summary>
    [Range(1024, Licensing.HostInfoFile.MaxBytes)]
    public int HostInfoMaxBytes { get; set; } = Licensing.HostInfoFile.MaxBytes;

    /// <summary>
    /// How many times per instance a valid host info file for another host key may move the instance to that host by
    /// itself within 30 days (<see cref="Services.InstanceLifecycle.RebindWindow"/>). Beyond that, and always with the
    /// default 0, such a file is a rebind request an administrator approves or denies; the current host stays licensed.
    /// </summary>
    [Range(0, 1000)]
    public int RebindPolicy { get; set; }
}
