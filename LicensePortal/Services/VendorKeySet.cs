using LicensePortal.Licensing;

namespace LicensePortal.Services;

/// <summary>
/// The key directory as read at one moment: the root public key, the root private key where it is kept online, every
/// signing key with its certificate, and which of them is current. <see cref="VendorKeyStore"/> holds one and replaces
/// it whole on a re-read, so a failed read leaves the keys it had. It holds private keys: it never leaves the store.
/// </summary>
internal sealed class VendorKeySet
{
    private VendorKeySet(VendorRootPublicKey root, VendorRootKey? rootPrivate, CertifiedSigningKey current, Dictionary<string, VendorKeyInfo> keys)
    {
        Root = root;
        RootPrivate = rootPrivate;
        Current = current;
        Keys = keys;
    }

    public VendorRootPublicKey Root { get; }

    /// <summary>Null when the root is kept offline.</summary>
    public VendorRootKey? RootPrivate { get; }

    /// <summary>The key that signs new licenses, with a certificate from <see cref="Root"/> valid when the set was read.</summary>
    public CertifiedSigningKey Current { get; }

    /// <summary>Every signing key's public half, by key id.</summary>
    public IReadOnlyDictionary<string, VendorKeyInfo> Keys { get; }

    /// <summary>Reads the root and every signing key with its certificate, and picks the current key.</summary>
    /// <exception cref="VendorKeySetupException">No key, or no key that may sign now; the message names the commands that fix it.</exception>
    public static VendorKeySet Read(VendorKeyDirectory directory, DateTimeOffset now)
    {
        var root = directory.ReadRootPublic();
        var rootPrivate = directory.ReadRootPrivate(root);
        var keys = ReadSigningKeys(directory, root);
        var currentId = CurrentId(directory, root, keys, now);
        var current = keys[currentId];
        return new VendorKeySet(root, rootPrivate, new CertifiedSigningKey(current.Key, current.Certificate!),
            keys.ToDictionary(k => k.Key, k => new VendorKeyInfo(k.Key, k.Value.Key.PublicKey, k.Value.CreatedAt, k.Key == currentId, k.Value.Certificate)));
    }

    /// <summary>Each signing key with its certificate, or none when it is missing, for another key, or not signed by <paramref name="root"/>.</summary>
    private static Dictionary<string, SigningKeyFile> ReadSigningKeys(VendorKeyDirectory directory, VendorRootPublicKey root)
    {
        var keys = new Dictionary<string, SigningKeyFile>();
        foreach (var file in directory.SigningKeyFiles())
        {
            var key = VendorKey.ImportPrivate(File.ReadAllText(file));
            var certificate = directory.ReadCertificate(key.KeyId);
            var valid = certificate is not null && certificate.SigningKey.Equals(key.PublicKey) && certificate.IsSignedBy(root);
            // Key files are written once, so their write time is their birth time.
            keys[key.KeyId] = new SigningKeyFile(key, valid ? certificate : null, File.GetLastWriteTimeUtc(file));
        }
        if (keys.Count == 0)
        {
            // A shared volume that looks empty is more likely unmounted than emptied: never replace the keys with a new one.
            throw new VendorKeySetupException($"No vendor signing keys in {directory.Path}: run 'LicensePortal keys request', certify the request " +
                "with 'keys certify' where the root key is kept, and install the certificate with 'keys install --certificate FILE'.");
        }
        return keys;
    }

    /// <summary>
    /// The key the <c>current</c> file names, which must be certified for now; without a usable name in the file, the
    /// newest key that is.
    /// </summary>
    private static string CurrentId(VendorKeyDirectory directory, VendorRootPublicKey root, Dictionary<string, SigningKeyFile> keys, DateTimeOffset now)
    {
        var currentId = directory.ReadCurrentId();
        if (currentId is not null && keys.TryGetValue(currentId, out var named) && named.Certificate?.Covers(now) != true)
        {
            throw new VendorKeySetupException($"The current signing key {currentId} in {directory.Path} has no valid certificate from root {root.KeyId} for now " +
                $"({(named.Certificate is null ? "none, or not signed by this root" : named.Certificate.ToString())}): certify it with 'LicensePortal keys certify' where the root key is kept " +
                "and run 'LicensePortal keys install --certificate FILE', or make a new one with 'keys request'.");
        }
        if (currentId is not null && keys.ContainsKey(currentId))
        {
            return currentId;
        }
        return keys.Where(k => k.Value.Certificate?.Covers(now) == true).OrderByDescending(k => k.Value.CreatedAt).Select(k => k.Key).FirstOrDefault()
            ?? throw new VendorKeySetupException($"No signing key in {directory.Path} has a valid certificate from root {root.KeyId}: run " +
                "'LicensePortal keys request', then 'keys certify' where the root key is kept, then 'keys install --certificate FILE'.");
    }

    private sealed record SigningKeyFile(VendorKey Key, SigningKeyCertificate? Certificate, DateTime CreatedAt);
}

/// <summary>
/// A signing key's public half, when it was made and its certificate from the root (null: a request not yet certified,
/// or a certificate that is not the root's). <see cref="IsCurrent"/>: it signs new licenses.
/// </summary>
public sealed record VendorKeyInfo(string KeyId, VendorPublicKey PublicKey, DateTime CreatedAt, bool IsCurrent, SigningKeyCertificate? Certificate)
{
    /// <summary>The public key file.</summary>
    public string PublicKeyFile => PublicKey.Export();
}
