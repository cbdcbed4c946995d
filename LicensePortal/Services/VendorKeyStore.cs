using LicensePortal.Licensing;
using LicensePortal.Options;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services;

/// <summary>
/// The vendor's keys, as files in Licensing:KeyDirectory (layout in <see cref="VendorKeyDirectory"/>, read into one
/// <see cref="VendorKeySet"/>): the root public key hosts trust, the root private key where it is kept online (the
/// embedded default), and the signing keys, each with its certificate from the root. The current key (with a valid
/// certificate) signs new licenses; older keys stay so their public halves keep being served. The private keys never
/// leave this class and its set. Several portal nodes share one key directory (a shared volume): a node that adds a key
/// tells the others through <see cref="Relay"/> and they re-read the directory; a node asked for a key id it does not
/// know re-reads it too when that key's file is there; and every node looks at the <c>current</c> file every few
/// seconds, so a key made current by <c>keys install</c> is taken up without a restart or a notice.
/// </summary>
public sealed class VendorKeyStore
{
    private readonly VendorKeyDirectory _directory;
    private readonly TimeProvider _time;
    private readonly TimeSpan _certificateValidity;
    private readonly ILogger<VendorKeyStore> _logger;
    private readonly AuditService? _audit;
    private readonly Lock _gate = new();
    private VendorKeySet _keys = null!;
    private long _nextCurrentFileCheck;
    private string? _refusedCurrentId;

    /// <summary>How often a node looks at the <c>current</c> file for a key made current outside it (see <see cref="FollowCurrentFile"/>).</summary>
    public static readonly TimeSpan CurrentFileCheckInterval = TimeSpan.FromSeconds(2);

    /// <exception cref="VendorKeySetupException">No signing key has a valid certificate from the root; the message names the command to run.</exception>
    public VendorKeyStore(IOptions<LicensingOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<VendorKeyStore> logger, AuditService? audit = null)
    {
        _audit = audit;
        _directory = new VendorKeyDirectory(LicensingOptions.ResolveKeyDirectory(options.Value, environment));
        _time = time;
        _certificateValidity = options.Value.CertificateValidity;
        _logger = logger;
        _directory.EnsureExists();
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

    /// <summary>The certified key that signs new licenses.</summary>
    internal CertifiedSigningKey Current
    {
        get
        {
            FollowCurrentFile();
            lock (_gate)
            {
                return _keys.Current;
            }
        }
    }

    public VendorKeyInfo CurrentInfo => Find(Current.KeyId)!;

    /// <summary>The key directory (absolute), as the <c>keys</c> commands and the /vendor-keys page name it.</summary>
    public string KeyDirectory => _directory.Path;

    /// <summary>The root public key every host and product trusts.</summary>
    public VendorRootPublicKey Root
    {
        get
        {
            lock (_gate)
            {
                return _keys.Root;
            }
        }
    }

    /// <summary>True when the root private key is in the key directory, so a new signing key can be certified with one click.</summary>
    public bool RootIsOnline
    {
        get
        {
            lock (_gate)
            {
                return _keys.RootPrivate is not null;
            }
        }
    }

    /// <summary>Every signing key's public half, newest first.</summary>
    public IReadOnlyList<VendorKeyInfo> All
    {
        get
        {
            FollowCurrentFile();
            lock (_gate)
            {
                return _keys.Keys.Values.OrderByDescending(k => k.CreatedAt).ToList();
            }
        }
    }

    public VendorKeyInfo? Find(string keyId)
    {
        lock (_gate)
        {
            if (_keys.Keys.TryGetValue(keyId, out var known))
            {
                return known;
            }
        }
        // Perhaps another node added it and its notice has not arrived (or was lost). Only a well-formed id whose file
        // exists causes a re-read: made-up ids on the anonymous /vendor-key/{id} cost one check, and an id is never a path.
        if (IsKeyId(keyId) && File.Exists(_directory.KeyPath(keyId)) && Reload())
        {
            lock (_gate)
            {
                return _keys.Keys.GetValueOrDefault(keyId);
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
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyFileException or VendorKeySetupException)
            {
                _logger.LogWarning(ex, "Re-reading the vendor keys in {Directory} failed; keeping the {Count} key(s) already loaded", _directory.Path, _keys.Keys.Count);
                return false;
            }
        }
    }

    /// <summary>
    /// Makes a new current key certified by the online root; licenses signed by older keys still verify, since each carries
    /// its own certificate. Null when the root is kept offline (then a key is added with the <c>keys</c> commands). Other
    /// nodes learn of it through <see cref="AddKeyAsync"/>, which also announces it.
    /// </summary>
    public VendorKeyInfo? AddKey()
    {
        lock (_gate)
        {
            if (_keys.RootPrivate is not { } root)
            {
                return null;
            }
            var key = CreateCertifiedKey(root);
            _logger.LogInformation("New vendor signing key {KeyId}, certified by root {RootKeyId}", key.KeyId, root.KeyId);
            Load(firstRun: false);
            return _keys.Keys[key.KeyId];
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
        if (AddKey() is not { } key)
        {
            return ServiceResult<VendorKeyInfo>.Invalid("", "VendorKeys.RootOffline");
        }
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

    /// <summary>
    /// At most every <see cref="CurrentFileCheckInterval"/>, reads the <c>current</c> file and re-reads the directory when it
    /// names another key: how a running node takes up a key made current by <c>keys install</c> (which cannot send a notice:
    /// it needs neither database nor Redis) or by another node whose notice was lost. A file naming a key that cannot be
    /// used (no valid certificate) is re-read once, logged, and then ignored until it changes; the loaded keys stay.
    /// </summary>
    private void FollowCurrentFile()
    {
        var now = Environment.TickCount64;
        if (now < Interlocked.Read(ref _nextCurrentFileCheck))
        {
            return;
        }
        Interlocked.Exchange(ref _nextCurrentFileCheck, now + (long)CurrentFileCheckInterval.TotalMilliseconds);
        string? named;
        try
        {
            named = _directory.ReadCurrentId();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // the shared volume is away for a moment: keep signing with the key already loaded
        }
        lock (_gate)
        {
            if (named is null || named == _keys.Current.KeyId || named == _refusedCurrentId)
            {
                return;
            }
            // Not taken up (refused, or naming no key file): do not re-read every few seconds until the file changes again.
            if (!Reload() || _keys.Current.KeyId != named)
            {
                _refusedCurrentId = named;
            }
        }
    }

    /// <summary>Reads the key directory into a new <see cref="VendorKeySet"/>; the caller holds <see cref="_gate"/>.</summary>
    private void Load(bool firstRun)
    {
        if (firstRun && _directory.IsEmpty)
        {
            // First run of the embedded default: the portal makes its own root (kept here, 0600) and a first signing key.
            var root = VendorRootKey.Generate();
            _directory.WriteRoot(root, withPrivate: true);
            var first = CreateCertifiedKey(root);
            _logger.LogInformation("Created the vendor root {RootKeyId} and signing key {KeyId} in {Directory}", root.KeyId, first.KeyId, _directory.Path);
        }
        _keys = VendorKeySet.Read(_directory, _time.GetUtcNow());
        _refusedCurrentId = null;
    }

    /// <summary>A new signing key, certified by the root for <see cref="LicensingOptions.CertificateValidity"/> from now, made current.</summary>
    private VendorKey CreateCertifiedKey(VendorRootKey root)
    {
        var key = VendorKey.Generate();
        var now = _time.GetUtcNow();
        _directory.WriteSigningKey(key);
        _directory.WriteCertificate(root.Certify(key.PublicKey, now.AddSeconds(-1), now + _certificateValidity));
        _directory.WriteCurrent(key.KeyId);
        return key;
    }

    /// <summary>The form of <see cref="VendorKey.KeyId"/>: 16 lower-case hex digits.</summary>
    private static bool IsKeyId(string value) => value.Length == 16 && value.All(char.IsAsciiHexDigitLower);
}
