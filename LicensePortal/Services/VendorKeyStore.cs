using LicensePortal.Licensing;
using LicensePortal.Options;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// The vendor's signing keys, as files in Licensing:KeyDirectory (mode 0600, folder 0700). The newest is the current key
/// that signs new licenses; older keys stay so their public halves keep being served and their licenses keep verifying.
/// The private keys never leave this class. Several portal nodes share one key directory (a shared volume): a node that
/// adds a key tells the others through <see cref="Relay"/> and they re-read the directory; a node asked for a key id it
/// does not know re-reads it too when that key's file is there.
/// </summary>
public sealed class VendorKeyStore
{
    private const string CurrentFile = "current";
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger<VendorKeyStore> _logger;
    private readonly AuditService? _audit;
    private readonly Lock _gate = new();
    private Dictionary<string, VendorKeyInfo> _keys = [];
    private VendorKey _current = null!;

    public VendorKeyStore(IOptions<LicensingOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<VendorKeyStore> logger, AuditService? audit = null)
    {
        _audit = audit;
        _directory = Path.GetFullPath(options.Value.KeyDirectory is { Length: > 0 } dir ? dir : Path.Combine("data", "keys"), environment.ContentRootPath);
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(_directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        lock (_gate)
        {
            Load(firstRun: true);
        }
    }

    /// <summary>
    /// Tells the other portal nodes that the keys changed, so they re-read the shared directory (a ChangeRelay: PostgreSQL
    /// LISTEN/NOTIFY or Redis; the message carries no key material). Null on a single node. Set once at start.
    /// </summary>
    public Func<Task>? Relay { get; set; }

    /// <summary>The key that signs new licenses.</summary>
    internal VendorKey Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public VendorKeyInfo CurrentInfo => Find(Current.KeyId)!;

    /// <summary>Every key's public half, newest first.</summary>
    public IReadOnlyList<VendorKeyInfo> All
    {
        get
        {
            lock (_gate)
            {
                return _keys.Values.OrderByDescending(k => k.CreatedAt).ToList();
            }
        }
    }

    public VendorKeyInfo? Find(string keyId)
    {
        lock (_gate)
        {
            if (_keys.TryGetValue(keyId, out var known))
            {
                return known;
            }
        }
        // Perhaps another node added it and its notice has not arrived (or was lost). Only a well-formed id whose file
        // exists causes a re-read: made-up ids on the anonymous /vendor-key/{id} cost one check, and an id is never a path.
        if (IsKeyId(keyId) && File.Exists(Path.Combine(_directory, keyId + ".key")) && Reload())
        {
            lock (_gate)
            {
                return _keys.GetValueOrDefault(keyId);
            }
        }
        return null;
    }

    /// <summary>
    /// Re-reads the key directory: keys another node added, and which key is current. On failure (the shared volume
    /// unreachable, a file unreadable, no keys at all) it keeps the keys it had and returns false; it never makes a key.
    /// </summary>
    public bool Reload()
    {
        lock (_gate)
        {
            try
            {
                Load(firstRun: false);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyFileException or InvalidOperationException)
            {
                _logger.LogWarning(ex, "Re-reading the vendor keys in {Directory} failed; keeping the {Count} key(s) already loaded", _directory, _keys.Count);
                return false;
            }
        }
    }

    /// <summary>
    /// Makes a new current key; licenses signed by older keys still verify against their public keys. Other nodes learn
    /// of it through <see cref="AddKeyAsync"/>, which also announces it.
    /// </summary>
    public VendorKeyInfo AddKey()
    {
        lock (_gate)
        {
            var key = VendorKey.Generate();
            WriteSecret(Path.Combine(_directory, key.KeyId + ".key"), key.ExportPrivate());
            WriteSecret(Path.Combine(_directory, CurrentFile), key.KeyId);
            _logger.LogInformation("New vendor signing key {KeyId}", key.KeyId);
            Load(firstRun: false);
            return _keys[key.KeyId];
        }
    }

    /// <summary>
    /// <see cref="AddKey()"/> by an administrator, recorded in the audit trail right after (the keys are files, not rows,
    /// so the entry is its own write). Only the key id and public key go in the entry, never the private key.
    /// </summary>
    public async Task<ServiceResult<VendorKeyInfo>> AddKeyAsync(PortalActor actor, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<VendorKeyInfo>.Forbidden();
        }
        var previous = CurrentInfo.KeyId;
        var key = AddKey();
        if (_audit is not null)
        {
            await _audit.RecordAsync(actor, "vendorkey.add", "vendorkey", key.KeyId, new { CurrentKeyId = previous },
                new { CurrentKeyId = key.KeyId, PublicKey = key.PublicKeyFile, key.CreatedAt }, cancellationToken);
        }
        if (Relay is { } relay)
        {
            try
            {
                await relay();
            }
            catch (Exception ex)
            {
                // The key is on the shared volume already; other nodes find it when asked for its id or on their next re-read.
                _logger.LogWarning(ex, "Telling the other nodes about vendor key {KeyId} failed", key.KeyId);
            }
        }
        return ServiceResult<VendorKeyInfo>.Ok(key);
    }

    /// <summary>Reads every key file and the current key's id; the caller holds <see cref="_gate"/>.</summary>
    private void Load(bool firstRun)
    {
        var keys = new Dictionary<string, (VendorKey Key, DateTime CreatedAt)>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.key"))
        {
            var key = VendorKey.ImportPrivate(File.ReadAllText(file));
            // Key files are written once, so their write time is their birth time.
            keys[key.KeyId] = (key, File.GetLastWriteTimeUtc(file));
        }
        if (keys.Count == 0 && !firstRun)
        {
            // A shared volume that looks empty is more likely unmounted than emptied: never replace the keys with a new one.
            throw new InvalidOperationException($"No vendor keys in {_directory}.");
        }
        if (keys.Count == 0)
        {
            // First run: the portal makes its own signing key.
            var key = VendorKey.Generate();
            WriteSecret(Path.Combine(_directory, key.KeyId + ".key"), key.ExportPrivate());
            WriteSecret(Path.Combine(_directory, CurrentFile), key.KeyId);
            keys[key.KeyId] = (key, _time.GetUtcNow().UtcDateTime);
            _logger.LogInformation("Created the vendor signing key {KeyId} in {Directory}", key.KeyId, _directory);
        }
        var currentPath = Path.Combine(_directory, CurrentFile);
        var currentId = File.Exists(currentPath) ? File.ReadAllText(currentPath).Trim() : "";
        if (!keys.ContainsKey(currentId))
        {
            currentId = keys.OrderByDescending(k => k.Value.CreatedAt).First().Key;
        }
        _current = keys[currentId].Key;
        _keys = keys.ToDictionary(k => k.Key, k => new VendorKeyInfo(k.Key, k.Value.Key.PublicKey, k.Value.CreatedAt, k.Key == currentId));
    }

    /// <summary>The form of <see cref="VendorKey.KeyId"/>: 16 lower-case hex digits.</summary>
    private static bool IsKeyId(string value) => value.Length == 16 && value.All(char.IsAsciiHexDigitLower);

    private static void WriteSecret(string path, string content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>A vendor key's public half and when it was made. <see cref="IsCurrent"/>: it signs new licenses.</summary>
public sealed record VendorKeyInfo(string KeyId, VendorPublicKey PublicKey, DateTime CreatedAt, bool IsCurrent)
{
    /// <summary>The public key file (what the host agent's --vendor-key takes).</summary>
    public string PublicKeyFile => PublicKey.Export();
}
