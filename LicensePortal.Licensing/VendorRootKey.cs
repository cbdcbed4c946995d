using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace LicensePortal.Licensing;

/// <summary>
/// The vendor's long-lived Ed25519 root key. It signs nothing but <see cref="SigningKeyCertificate"/>s; hosts and
/// products trust its public half (compiled into them) and through it every certified signing key. Keep the private
/// file offline where possible: a portal signs licenses with certified <see cref="VendorKey"/>s and needs the root only
/// to certify a new one.
/// </summary>
public sealed class VendorRootKey
{
    private readonly byte[] _seed;
    private readonly Ed25519PrivateKeyParameters _key;

    private VendorRootKey(byte[] seed)
    {
        _seed = seed;
        _key = new Ed25519PrivateKeyParameters(seed);
        PublicKey = new VendorRootPublicKey(_key.GeneratePublicKey().GetEncoded());
    }

    /// <summary>The public half: the trust anchor built into hosts and products.</summary>
    public VendorRootPublicKey PublicKey { get; }

    /// <summary>The root key id (see <see cref="VendorRootPublicKey.KeyId"/>).</summary>
    public string KeyId => PublicKey.KeyId;

    /// <summary>Generates a new random root key.</summary>
    /// <returns>The new key.</returns>
    public static VendorRootKey Generate() => new(RandomNumberGenerator.GetBytes(Primitives.KeySize));

    /// <summary>Creates a root key from a fixed 32-byte Ed25519 seed (test vectors only).</summary>
    internal static VendorRootKey FromSeed(ReadOnlySpan<byte> seed) =>
        seed.Length == Primitives.KeySize ? new VendorRootKey(seed.ToArray()) : throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));

    /// <summary>Exports the private key file ("-----BEGIN LICENSEPORTAL VENDOR ROOT PRIVATE KEY-----"). Keep it secret and offline.</summary>
    /// <returns>The file content.</returns>
    public string ExportPrivate() => KeyFiles.Write(KeyFiles.RootPrivateLabel, "Key-Id", KeyId, _seed);

    /// <summary>Imports a root private key file written by <see cref="ExportPrivate"/>.</summary>
    /// <param name="text">The file content.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The text is not a root private key file, or its key id does not match.</exception>
    public static VendorRootKey ImportPrivate(string text)
    {
        var (id, body) = KeyFiles.Read(text, KeyFiles.RootPrivateLabel, "Key-Id", Primitives.KeySize);
        var key = new VendorRootKey(body);
        KeyFiles.RequireId(id, key.KeyId);
        return key;
    }

    /// <summary>Certifies a signing key: the root's signed statement that the key may sign licenses issued between the two times.</summary>
    /// <param name="signingKey">The public half of the signing key to certify.</param>
    /// <param name="validFrom">First instant a license signed by the key may carry as its issue time (whole seconds, UTC).</param>
    /// <param name="validUntil">Last such instant; not before <paramref name="validFrom"/>.</param>
    /// <returns>The certificate.</returns>
    /// <exception cref="ArgumentException">The validity period is empty.</exception>
    public SigningKeyCertificate Certify(VendorPublicKey signingKey, DateTimeOffset validFrom, DateTimeOffset validUntil)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        return SigningKeyCertificate.Create(this, signingKey, validFrom, validUntil);
    }

    internal byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message) => Primitives.Ed25519Sign(_key, domain, message);
}

/// <summary>The public half of a <see cref="VendorRootKey"/>: the one key a host or product trusts.</summary>
public sealed class VendorRootPublicKey : IEquatable<VendorRootPublicKey>
{
    private readonly byte[] _key;

    internal VendorRootPublicKey(byte[] key)
    {
        _key = key;
        Fingerprint = Primitives.Sha256Hex(key);
        KeyId = Fingerprint[..16];
    }

    /// <summary>The root key id: the first 16 lower-case hex characters of <see cref="Fingerprint"/>.</summary>
    public string KeyId { get; }

    /// <summary>SHA-256 of the 32-byte public key, 64 lower-case hex characters: what people compare.</summary>
    public string Fingerprint { get; }

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>The raw 32-byte Ed25519 public key (a copy).</summary>
    /// <returns>The key bytes.</returns>
    public byte[] GetBytes() => (byte[])_key.Clone();

    /// <summary>Creates the root public key from its 32 raw bytes, for a product that keeps them as a constant.</summary>
    /// <param name="publicKey">The Ed25519 public key.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The bytes are not a canonical Ed25519 public key of prime order.</exception>
    public static VendorRootPublicKey FromBytes(ReadOnlySpan<byte> publicKey) =>
        Primitives.IsValidEd25519PublicKey(publicKey)
            ? new VendorRootPublicKey(publicKey.ToArray())
            : throw new KeyFileException(KeyFileErrorCode.InvalidKey, "The bytes are not a valid Ed25519 public key (32 bytes, canonical, of prime order).");

    /// <summary>Exports the public key file ("-----BEGIN LICENSEPORTAL VENDOR ROOT PUBLIC KEY-----"), served at /vendor-root.pub.</summary>
    /// <returns>The file content.</returns>
    public string Export() => KeyFiles.Write(KeyFiles.RootPublicLabel, "Key-Id", KeyId, _key);

    /// <summary>Imports a root public key file. Every other key type, and garbage, is refused with its own code.</summary>
    /// <param name="text">The file content.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The text is not a root public key file.</exception>
    public static VendorRootPublicKey Import(string text)
    {
        var (id, body) = KeyFiles.Read(text, KeyFiles.RootPublicLabel, "Key-Id", Primitives.KeySize);
        var key = FromBytes(body);
        KeyFiles.RequireId(id, key.KeyId);
        return key;
    }

    internal bool Verify(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        Primitives.Ed25519Verify(_key, domain, message, signature);

    /// <summary>True if both hold the same key.</summary>
    /// <param name="other">The other key.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(VendorRootPublicKey? other) => other is not null && _key.AsSpan().SequenceEqual(other._key);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as VendorRootPublicKey);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(KeyId);

    /// <inheritdoc />
    public override string ToString() => $"vendor root key {KeyId}";
}
