using System.Security.Cryptography;
using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Agent;

/// <summary>
/// The agent's state directory (mode 0700): host.key (0600), license.lic (the installed license), high-water (0600: the
/// latest time trusted and the highest revision installed per instance) and server.conf (0600, for renew). No key is
/// ever trusted from here: the vendor root is compiled into the agent.
/// </summary>
/// <param name="directory">The state directory.</param>
public sealed class AgentState(string directory)
{
    /// <summary>Largest file the agent reads (64 KiB, as the library).</summary>
    public const int MaxFileBytes = 64 * 1024;

    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The state directory.</summary>
    public string Directory { get; } = directory;

    /// <summary>Path of the host private key.</summary>
    public string HostKeyPath => Path.Combine(Directory, "host.key");

    /// <summary>Path of the installed license.</summary>
    public string LicensePath => Path.Combine(Directory, "license.lic");

    /// <summary>Path of the high-water mark.</summary>
    public string HighWaterPath => Path.Combine(Directory, "high-water");

    /// <summary>Creates the state directory with mode 0700 if needed.</summary>
    public void EnsureDirectory()
    {
        CreatePrivateDirectory(Directory);
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
            return;
        }

        System.IO.Directory.CreateDirectory(path, DirMode);
        File.SetUnixFileMode(path, DirMode);
    }

    /// <summary>Loads the host key, creating it (mode 0600) on first use.</summary>
    /// <param name="created">True if a new key was generated.</param>
    /// <returns>The host key.</returns>
    public HostKey LoadOrCreateHostKey(out bool created)
    {
        EnsureDirectory();
        if (File.Exists(HostKeyPath))
        {
            created = false;
            return LoadHostKey();
        }

        var key = HostKey.Generate();
        WriteAtomically(HostKeyPath, key.ExportPrivate(), SecretMode);
        created = true;
        return key;
    }

    /// <summary>Loads the existing host key.</summary>
    /// <returns>The host key.</returns>
    /// <exception cref="AgentException">There is no host key yet, or it is damaged.</exception>
    public HostKey LoadHostKey()
    {
        if (!File.Exists(HostKeyPath))
        {
            throw new AgentException(ExitCodes.NotSetUp, $"No host key in {Directory}: run 'licenseportal-agent hostinfo' first.");
        }

        try
        {
            return HostKey.ImportPrivate(ReadText(HostKeyPath));
        }
        catch (KeyFileException ex)
        {
            throw new AgentException(ExitCodes.Environment, $"The host key {HostKeyPath} is damaged ({ex.Code}): {ex.Message}");
        }
    }

    /// <summary>Path of the remembered server, instance and token (mode 0600).</summary>
    public string ServerConfigPath => Path.Combine(Directory, "server.conf");

    /// <summary>Remembers server, instance and token for renew (mode 0600: the token is a secret).</summary>
    /// <param name="config">What to remember.</param>
    public void SaveServerConfig(ServerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        EnsureDirectory();
        WriteAtomically(ServerConfigPath, $"server={config.Server}\ninstance={config.Instance}\ntoken={config.Token}\n", SecretMode);
    }

    /// <summary>The remembered server, instance and token, or null.</summary>
    /// <returns>The config or null.</returns>
    public ServerConfig? LoadServerConfig()
    {
        if (!File.Exists(ServerConfigPath))
        {
            return null;
        }

        var values = ReadText(ServerConfigPath).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
        return values.TryGetValue("server", out var server) && values.TryGetValue("instance", out var instance) && values.TryGetValue("token", out var token)
            ? new ServerConfig(server, instance, token)
            : null;
    }

    /// <summary>The installed license text, or null if none is installed.</summary>
    /// <returns>Text or null.</returns>
    public string? ReadInstalledLicense() => File.Exists(LicensePath) ? ReadText(LicensePath) : null;

    /// <summary>
    /// Replaces the installed license atomically (temp file in the same folder, fsync, rename over), then raises the
    /// high-water mark to it. A crash between the two leaves the mark lower, never higher, than the license.
    /// </summary>
    /// <param name="text">The verified license text.</param>
    /// <param name="highWater">The mark raised by this license.</param>
    public void InstallLicense(string text, LicenseHighWater highWater)
    {
        EnsureDirectory();
        WriteAtomically(LicensePath, text, PublicMode);
        SaveHighWater(highWater);
    }

    /// <summary>The high-water mark, or <see cref="LicenseHighWater.None"/> when nothing was installed yet.</summary>
    /// <returns>The mark.</returns>
    /// <exception cref="AgentException">The file exists but cannot be read as a high-water mark.</exception>
    public LicenseHighWater ReadHighWater() =>
        File.Exists(HighWaterPath) ? HighWaterFile.Parse(ReadText(HighWaterPath), HighWaterPath) : LicenseHighWater.None;

    /// <summary>Writes the high-water mark atomically (mode 0600).</summary>
    /// <param name="highWater">The mark.</param>
    public void SaveHighWater(LicenseHighWater highWater)
    {
        EnsureDirectory();
        WriteAtomically(HighWaterPath, HighWaterFile.Write(highWater), SecretMode);
    }

    /// <summary>Reads a text file of at most 64 KiB as strict UTF-8.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The text.</returns>
    /// <exception cref="AgentException">Missing, too large, unreadable or not UTF-8.</exception>
    public static string ReadText(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var buffer = new byte[MaxFileBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            if (total > MaxFileBytes)
            {
                throw new AgentException(ExitCodes.LicenseRejected, $"{path} is larger than 64 KiB (TooLarge).");
            }

            return new UTF8Encoding(false, true).GetString(buffer, 0, total);
        }
        catch (DecoderFallbackException)
        {
            throw new AgentException(ExitCodes.LicenseRejected, $"{path} is binary or not UTF-8 text (NotText).");
        }
        catch (FileNotFoundException)
        {
            throw new AgentException(ExitCodes.Environment, $"{path} does not exist.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new AgentException(ExitCodes.Environment, $"{path} does not exist.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new AgentException(ExitCodes.Environment, $"Permission denied reading {path}: run as root.");
        }
    }

    /// <summary>Writes a file through a temp file in the same folder, fsync, then rename over the target.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="text">Content.</param>
    /// <param name="mode">Unix file mode of the new file.</param>
    public static void WriteAtomically(string path, string text, UnixFileMode mode)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temp, options))
            {
                if (!OperatingSystem.IsWindows())
                {
                    // The create mode is filtered by the umask; set the exact mode before any content is written.
                    File.SetUnixFileMode(stream.SafeFileHandle, mode);
                }

                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new AgentException($"Permission denied writing {path}: run as root.", ex);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}

/// <summary>The portal the agent activates against.</summary>
/// <param name="Server">Base URL.</param>
/// <param name="Instance">Instance name.</param>
/// <param name="Token">Activation (or personal) token.</param>
public sealed record ServerConfig(string Server, string Instance, string Token)
{
    /// <summary>Never shows the token.</summary>
    /// <returns>Server and instance.</returns>
    public override string ToString() => $"{Server} ({Instance})";
}
