using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace LicensePortal.Licensing;

/// <summary>
/// One of the vendor's Ed25519 signing keys (rotated at /vendor-keys). Licenses are signed with it; hosts trust it only
/// through its <see cref="SigningKeyCertificate"/> from the vendor root, which every license file carries.
/// </summary>
public sealed class VendorKey
{
    private readonly byte[] _seed;
    private readonly Ed25519PrivateKeyParameters _signingKey;

    private VendorKey(byte[] seed)
    {
        _seed = seed;
        _signingKey = new Ed25519PrivateKeyParameters(seed);
        PublicKey = new VendorPublicKey(_signingKey.GeneratePublicKey().GetEncoded());
    }

    /// <summary>The public half, to be given to hosts.</summary>
    public VendorPublicKey PublicKey { get; }

    /// <summary>The key id: the first 16 lower-case hex characters of SHA-256 of the 32-byte public key.</summary>
    public string KeyId => PublicKey.KeyId;

    /// <summary>Generates a new random vendor key.</summary>
    /// <returns>The new key.</returns>
    public static VendorKey Generate() => new(RandomNumberGenerator.GetBytes(Primitives.KeySize));

    /// <summary>Creates a key from a fixed 32-byte Ed25519 seed (test vectors only).</summary>
    internal static VendorKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Primitives.KeySize)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }

        return new VendorKey(seed.ToArray());
    }

    /// <summary>Exports the private key as an armored text file ("-----BEGIN LICENSEPORTAL VENDOR PRIVATE KEY-----"). Keep it secret.</summary>
    /// <returns>The file content.</returns>
    public string ExportPrivate() => KeyFiles.Write(KeyFiles.VendorPrivateLabel, "Key-Id", KeyId, _seed);

    /// <summary>Imports a private key file written by <see cref="ExportPrivate"/>.</summary>
    /// <param name="text">The file content.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The text is not a vendor private key file, or its key id does not match.</exception>
    public static VendorKey ImportPrivate(string text)
    {
        var (id, body) = KeyFiles.Read(text, KeyFiles.VendorPrivateLabel, "Key-Id", Primitives.KeySize);
        var key = new VendorKey(body);
        KeyFiles.RequireId(id, key.KeyId);
        return key;
    }

    /// <summary>Signs domain || message with the vendor key.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message) => Primitives.Ed25519Sign(_signingKey, domain, message);
}

/// <summary>The public half of a <see cref="VendorKey"/>, as certified by the root: hosts verify license signatures with it.</summary>
public sealed class VendorPublicKey : IEquatable<VendorPublicKey>
{
    private readonly byte[] _key;

    internal VendorPublicKey(byte[] key)
    {
        _key = key;
        KeyId = ComputeKeyId(key);
    }

    /// <summary>The key id: the first 16 lower-case hex characters of SHA-256 of the 32-byte public key.</summary>
    public string KeyId { get; }

    /// <summary>The raw 32-byte Ed25519 public key (a copy).</summary>
    /// <returns>The key bytes.</returns>
    public byte[] GetBytes() => (byte[])_key.Clone();

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>Creates a public key from its 32 raw bytes.</summary>
    /// <param name="publicKey">The Ed25519 public key.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The bytes are not a valid Ed25519 public key.</exception>
    public static VendorPublicKey FromBytes(ReadOnlySpan<byte> publicKey)
    {
        if (!Primitives.IsValidEd25519PublicKey(publicKey))
        {
            throw new KeyFileException(KeyFileErrorCode.InvalidKey, "The bytes are not a valid 32-byte Ed25519 public key.");
        }

        return new VendorPublicKey(publicKey.ToArray());
    }

    /// <summary>Computes a key id from raw public key bytes.</summary>
    internal static string ComputeKeyId(ReadOnlySpan<byte> publicKey) => Primitives.Sha256Hex(publicKey)[..16];

    /// <summary>Exports the armored public key file ("-----BEGIN LICENSEPORTAL VENDOR PUBLIC KEY-----") with the key id visible.</summary>
    /// <returns>The file content.</returns>
    public string Export() => KeyFiles.Write(KeyFiles.VendorPublicLabel, "Key-Id", KeyId, _key);

    /// <summary>Imports a vendor public key file. Private key files, host key files and garbage are refused.</summary>
    /// <param name="text">The file content.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">With <see cref="KeyFileErrorCode.WrongKeyType"/> for another LicensePortal key type, otherwise another code.</exception>
    public static VendorPublicKey Import(string text)
    {
        var (id, body) = KeyFiles.Read(text, KeyFiles.VendorPublicLabel, "Key-Id", Primitives.KeySize);
        var key = FromBytes(body);
        KeyFiles.RequireId(id, key.KeyId);
        return key;
    }

    /// <summary>Verifies a signature over domain || message.</summary>
    internal bool Verify(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        Primitives.Ed25519Verify(_key, domain, message, signature);

    /// <summary>True if both hold the same public key bytes.</summary>
    /// <param name="other">The other key.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(VendorPublicKey? other) => other is not null && _key.AsSpan().SequenceEqual(other._key);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as VendorPublicKey);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(KeyId);

    /// <inheritdoc />
    public override string ToString() => $"vendor key {KeyId}";
}
