using LicensePortal.Licensing;
using LicensePortal.Options;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// The vendor's signing keys, as files in Licensing:KeyDirectory (mode 0600, folder 0700). The newest is the current key
/// that signs new licenses; older keys stay so their public halves keep being served and their licenses keep verifying.
/// The private keys never leave this class.
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
        Load();
    }

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
            return _keys.GetValueOrDefault(keyId);
        }
    }

    /// <summary>Makes a new current key; licenses signed by older keys still verify against their public keys.</summary>
    public VendorKeyInfo AddKey()
    {
        lock (_gate)
        {
            var key = VendorKey.Generate();
            WriteSecret(Path.Combine(_directory, key.KeyId + ".key"), key.ExportPrivate());
            WriteSecret(Path.Combine(_directory, CurrentFile), key.KeyId);
            _logger.LogInformation("New vendor signing key {KeyId}", key.KeyId);
            Load();
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
        return ServiceResult<VendorKeyInfo>.Ok(key);
    }

    private void Load()
    {
        Directory.CreateDirectory(_directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var keys = new Dictionary<string, (VendorKey Key, DateTime CreatedAt)>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.key"))
        {
            var key = VendorKey.ImportPrivate(File.ReadAllText(file));
            // Key files are written once, so their write time is their birth time.
            keys[key.KeyId] = (key, File.GetLastWriteTimeUtc(file));
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
