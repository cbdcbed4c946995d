using System.Security.Cryptography;
using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Agent;

/// <summary>
/// The agent's state directory (mode 0700): host.key (0600), license.lic (the installed license) and
/// vendor-keys/KEYID.pub (vendor public keys the agent was given).
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

    /// <summary>Folder of remembered vendor public keys.</summary>
    public string VendorKeysPath => Path.Combine(Directory, "vendor-keys");

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

    /// <summary>Imports a vendor public key file and remembers it as vendor-keys/KEYID.pub.</summary>
    /// <param name="path">The key file.</param>
    /// <returns>The key.</returns>
    /// <exception cref="AgentException">The file is not a vendor public key.</exception>
    public VendorPublicKey RememberVendorKey(string path)
    {
        VendorPublicKey key;
        try
        {
            key = VendorPublicKey.Import(ReadText(path));
        }
        catch (KeyFileException ex)
        {
            throw new AgentException(ExitCodes.Usage, $"{path}: {ex.Message} ({ex.Code})");
        }

        EnsureDirectory();
        CreatePrivateDirectory(VendorKeysPath);
        WriteAtomically(Path.Combine(VendorKeysPath, key.KeyId + ".pub"), key.Export(), PublicMode);
        return key;
    }

    /// <summary>Path of the remembered server, instance and token (mode 0600).</summary>
    public string ServerConfigPath => Path.Combine(Directory, "server.conf");

    /// <summary>Imports vendor public key text (fetched from the server) and remembers it.</summary>
    /// <param name="text">The key file text.</param>
    /// <returns>The key.</returns>
    /// <exception cref="AgentException">The text is not a vendor public key.</exception>
    public VendorPublicKey RememberVendorKeyText(string text)
    {
        VendorPublicKey key;
        try
        {
            key = VendorPublicKey.Import(text);
        }
        catch (KeyFileException ex)
        {
            throw new AgentException(ExitCodes.LicenseRejected, $"The server's vendor key is not a vendor public key: {ex.Message} ({ex.Code})");
        }

        EnsureDirectory();
        CreatePrivateDirectory(VendorKeysPath);
        WriteAtomically(Path.Combine(VendorKeysPath, key.KeyId + ".pub"), key.Export(), PublicMode);
        return key;
    }

    /// <summary>True when at least one vendor key is remembered.</summary>
    /// <returns>Whether vendor-keys/ holds a key file.</returns>
    public bool HasVendorKeys() => System.IO.Directory.Exists(VendorKeysPath) && System.IO.Directory.GetFiles(VendorKeysPath, "*.pub").Length > 0;

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

    /// <summary>The remembered vendor keys plus an optional one given now.</summary>
    /// <param name="vendorKeyFile">A --vendor-key file, remembered for later commands.</param>
    /// <param name="warnings">Where to report unreadable remembered keys.</param>
    /// <returns>Trusted keys; never empty.</returns>
    /// <exception cref="AgentException">No vendor key is known.</exception>
    public IReadOnlyCollection<VendorPublicKey> TrustedVendorKeys(string? vendorKeyFile, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var keys = new Dictionary<string, VendorPublicKey>(StringComparer.Ordinal);
        if (vendorKeyFile is not null)
        {
            var given = RememberVendorKey(vendorKeyFile);
            keys[given.KeyId] = given;
        }

        if (System.IO.Directory.Exists(VendorKeysPath))
        {
            foreach (var file in System.IO.Directory.GetFiles(VendorKeysPath, "*.pub").Order(StringComparer.Ordinal))
            {
                try
                {
                    var key = VendorPublicKey.Import(ReadText(file));
                    keys.TryAdd(key.KeyId, key);
                }
                catch (KeyFileException ex)
                {
                    warnings.WriteLine($"warning: ignoring {file}: {ex.Message}");
                }
            }
        }

        if (keys.Count == 0)
        {
            throw new AgentException(ExitCodes.NotSetUp, "No vendor public key is known: pass --vendor-key FILE once.");
        }

        return keys.Values;
    }

    /// <summary>The installed license text, or null if none is installed.</summary>
    /// <returns>Text or null.</returns>
    public string? ReadInstalledLicense() => File.Exists(LicensePath) ? ReadText(LicensePath) : null;

    /// <summary>Replaces the installed license atomically: temp file in the same folder, fsync, rename over.</summary>
    /// <param name="text">The verified license text.</param>
    public void InstallLicense(string text)
    {
        EnsureDirectory();
        WriteAtomically(LicensePath, text, PublicMode);
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
