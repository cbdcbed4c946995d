using System.Globalization;
using System.Security.Cryptography;
using LicensePortal.Options;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>What the portal knows about the published host agent: whether there is one, its size and SHA-256.</summary>
/// <param name="Published">Whether <see cref="AgentDownloads.PublishedFileName"/> is in the download directory (and not empty).</param>
/// <param name="Size">Bytes; 0 when not published.</param>
/// <param name="Sha256">Lower-case hex; null when not published.</param>
/// <param name="LastWriteUtc">When the file was last written; null when not published.</param>
public sealed record AgentDownloadInfo(bool Published, long Size, string? Sha256, DateTime? LastWriteUtc)
{
    public static readonly AgentDownloadInfo None = new(false, 0, null, null);
}

/// <summary>The published agent opened for reading, with the description of exactly the bytes the stream holds. The caller disposes it.</summary>
public sealed class AgentDownload(FileStream stream, AgentDownloadInfo info) : IDisposable
{
    public FileStream Stream { get; } = stream;

    public AgentDownloadInfo Info { get; } = info;

    public void Dispose() => Stream.Dispose();
}

/// <summary>
/// The host agent administrators publish into <c>Agent:DownloadDirectory</c> (the NativeAOT <c>licenseportal-agent</c>),
/// handed out as <see cref="DownloadFileName"/>. The file name never comes from a request: there is exactly one file.
/// The SHA-256 is computed once per file version (its length and last write time) and cached.
/// </summary>
public sealed class AgentDownloads
{
    /// <summary>The file <c>dotnet publish LicensePortal.Agent -r linux-x64 -o DIR</c> writes into DIR.</summary>
    public const string PublishedFileName = "licenseportal-agent";

    /// <summary>The name the portal hands it out under.</summary>
    public const string DownloadFileName = "licenseportal-agent-linux-x64";

    /// <summary>The download's address, relative to the portal's base URI.</summary>
    public const string DownloadPath = "downloads/agent/" + DownloadFileName;

    private readonly ILogger<AgentDownloads> _logger;
    private readonly Lock _hashing = new();
    private volatile CachedHash? _cached;

    public AgentDownloads(IOptions<AgentDownloadOptions> options, IHostEnvironment environment, ILogger<AgentDownloads> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        Directory = AgentDownloadOptions.ResolveDownloadDirectory(options.Value, environment);
        FilePath = Path.Combine(Directory, PublishedFileName);
    }

    /// <summary>The configured download directory, absolute (it need not exist).</summary>
    public string Directory { get; }

    /// <summary>Where the published agent is expected.</summary>
    public string FilePath { get; }

    /// <summary>The one command that fills the download directory (PATH: the portal's vendor-root.pub).</summary>
    public string PublishCommand =>
        $"dotnet publish LicensePortal.Agent -c Release -r linux-x64 -p:VendorRootPublicKeyFile=PATH -o {ShellQuote(Directory)}";

    /// <summary>The published agent now; <see cref="AgentDownloadInfo.None"/> when there is none (or it cannot be read).</summary>
    public AgentDownloadInfo Describe()
    {
        var file = new FileInfo(FilePath);
        if (!file.Exists || file.Length == 0)
        {
            return AgentDownloadInfo.None;
        }
        if (_cached is { } cached && cached.Length == file.Length && cached.LastWriteUtc == file.LastWriteTimeUtc)
        {
            return cached.Info;
        }
        using var download = Open();
        return download?.Info ?? AgentDownloadInfo.None;
    }

    /// <summary>Opens the published agent for reading (shared, so a new version can replace it meanwhile); null when there is none.</summary>
    public AgentDownload? Open()
    {
        FileStream stream;
        try
        {
            stream = new FileStream(FilePath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // A directory named licenseportal-agent, or a file the portal's user may not read: the administrator must fix it.
            _logger.LogWarning(ex, "The published host agent {Path} cannot be read", FilePath);
            return null;
        }
        try
        {
            var length = stream.Length;
            if (length == 0)
            {
                stream.Dispose();
                return null;
            }
            var lastWrite = File.GetLastWriteTimeUtc(stream.SafeFileHandle);
            var info = HashOf(stream, length, lastWrite);
            stream.Position = 0;
            return new AgentDownload(stream, info);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private AgentDownloadInfo HashOf(FileStream stream, long length, DateTime lastWriteUtc)
    {
        if (_cached is { } cached && cached.Length == length && cached.LastWriteUtc == lastWriteUtc)
        {
            return cached.Info;
        }
        // One hash at a time: many users opening the page after a new publish do not each read 7 MB.
        lock (_hashing)
        {
            if (_cached is { } again && again.Length == length && again.LastWriteUtc == lastWriteUtc)
            {
                return again.Info;
            }
            stream.Position = 0;
            var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            var info = new AgentDownloadInfo(true, length, hash, lastWriteUtc);
            _cached = new CachedHash(length, lastWriteUtc, info);
            _logger.LogInformation("Host agent {Path}: {Size} bytes, SHA-256 {Sha256}", FilePath, length.ToString(CultureInfo.InvariantCulture), hash);
            return info;
        }
    }

    /// <summary>A path as one POSIX shell word: unchanged when it has only safe characters, else in single quotes.</summary>
    public static string ShellQuote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or ':' or '+' or '=' or ',' or '@')
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private sealed record CachedHash(long Length, DateTime LastWriteUtc, AgentDownloadInfo Info);
}
