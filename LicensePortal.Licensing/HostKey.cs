using System.Security.Cryptography;
using System.Text;

namespace LicensePortal.Licensing;

/// <summary>
/// The host's key pair: an Ed25519 key that signs the host info file and an X25519 key that licenses are
/// encrypted to. The private file never leaves the host.
/// </summary>
public sealed class HostKey
{
    private readonly byte[] _signingSeed;
    private readonly byte[] _encryptionPrivate;

    private HostKey(byte[] signingSeed, byte[] encryptionPrivate)
    {
        _signingSeed = signingSeed;
        _encryptionPrivate = encryptionPrivate;
        PublicKey = new HostPublicKey(Primitives.Ed25519PublicFromSeed(signingSeed), Primitives.X25519PublicFromPrivate(encryptionPrivate));
    }

    /// <summary>The public parts (Ed25519 and X25519 public keys).</summary>
    public HostPublicKey PublicKey { get; }

    /// <summary>The host key fingerprint; see <see cref="HostPublicKey.Fingerprint"/>.</summary>
    public string Fingerprint => PublicKey.Fingerprint;

    /// <summary>Generates a new random host key.</summary>
    /// <returns>The new key.</returns>
    public static HostKey Generate() => new(RandomNumberGenerator.GetBytes(Primitives.KeySize), RandomNumberGenerator.GetBytes(Primitives.KeySize));

    /// <summary>Creates a key from fixed private bytes (test vectors only).</summary>
    internal static HostKey FromPrivateBytes(ReadOnlySpan<byte> signingSeed, ReadOnlySpan<byte> encryptionPrivate)
    {
        if (signingSeed.Length != Primitives.KeySize || encryptionPrivate.Length != Primitives.KeySize)
        {
            throw new ArgumentException("Both private keys are 32 bytes.");
        }

        return new HostKey(signingSeed.ToArray(), encryptionPrivate.ToArray());
    }

    /// <summary>Exports the private key file ("-----BEGIN LICENSEPORTAL HOST PRIVATE KEY-----"). Store it with mode 0600.</summary>
    /// <returns>The file content.</returns>
    public string ExportPrivate()
    {
        var body = new byte[Primitives.KeySize * 2];
        _signingSeed.CopyTo(body, 0);
        _encryptionPrivate.CopyTo(body, Primitives.KeySize);
        try
        {
            return KeyFiles.Write(KeyFiles.HostPrivateLabel, "Fingerprint", Fingerprint, body);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    /// <summary>Imports a host private key file written by <see cref="ExportPrivate"/>.</summary>
    /// <param name="text">The file content.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The text is not a host private key file, or its fingerprint does not match.</exception>
    public static HostKey ImportPrivate(string text)
    {
        var (fingerprint, body) = KeyFiles.Read(text, KeyFiles.HostPrivateLabel, "Fingerprint", Primitives.KeySize * 2);
        var key = new HostKey(body[..Primitives.KeySize], body[Primitives.KeySize..]);
        CryptographicOperations.ZeroMemory(body);
        if (!Primitives.FixedTimeEquals(fingerprint, key.Fingerprint))
        {
            throw new KeyFileException(KeyFileErrorCode.KeyIdMismatch, "The fingerprint written in the host key file does not match the key it holds.");
        }

        return key;
    }

    internal byte[] SignHostInfo(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message) => Primitives.Ed25519Sign(_signingSeed, domain, message);

    internal byte[] Agree(ReadOnlySpan<byte> peerPublic) => Primitives.X25519Agree(_encryptionPrivate, peerPublic);
}

/// <summary>The public parts of a <see cref="HostKey"/>, as carried in the host info file.</summary>
public sealed class HostPublicKey : IEquatable<HostPublicKey>
{
    /// <summary>Domain separation prefix of the fingerprint hash.</summary>
    internal static readonly byte[] FingerprintDomain = Encoding.ASCII.GetBytes("licenseportal-hostkey-v1\n");

    private readonly byte[] _signing;
    private readonly byte[] _encryption;

    internal HostPublicKey(byte[] signing, byte[] encryption)
    {
        _signing = signing;
        _encryption = encryption;
        var buffer = new byte[FingerprintDomain.Length + (Primitives.KeySize * 2)];
        FingerprintDomain.CopyTo(buffer, 0);
        signing.CopyTo(buffer, FingerprintDomain.Length);
        encryption.CopyTo(buffer, FingerprintDomain.Length + Primitives.KeySize);
        Fingerprint = Primitives.Sha256Hex(buffer);
    }

    /// <summary>
    /// The fingerprint: 64 lower-case hex characters of
    /// SHA-256("licenseportal-hostkey-v1\n" || Ed25519 public key (32 bytes) || X25519 public key (32 bytes)).
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>The Ed25519 public key that signs host info files, base64.</summary>
    public string SigningKeyBase64 => Convert.ToBase64String(_signing);

    /// <summary>The X25519 public key licenses are encrypted to, base64.</summary>
    public string EncryptionKeyBase64 => Convert.ToBase64String(_encryption);

    internal ReadOnlySpan<byte> SigningKey => _signing;

    internal ReadOnlySpan<byte> EncryptionKey => _encryption;

    /// <summary>The raw 32-byte Ed25519 public key (a copy).</summary>
    /// <returns>The key bytes.</returns>
    public byte[] GetSigningKeyBytes() => (byte[])_signing.Clone();

    /// <summary>The raw 32-byte X25519 public key (a copy).</summary>
    /// <returns>The key bytes.</returns>
    public byte[] GetEncryptionKeyBytes() => (byte[])_encryption.Clone();

    /// <summary>
    /// Creates a host public key from the two base64 values of a host info file. Refused: an Ed25519 key that is not the
    /// canonical encoding of a point of prime order, and an X25519 key that is not canonical (top bit set, u &gt;= p) or is
    /// of low order, so each host key has one spelling and one fingerprint.
    /// </summary>
    /// <param name="signingKey">Ed25519 public key, base64 of 32 bytes.</param>
    /// <param name="encryptionKey">X25519 public key, base64 of 32 bytes.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">A value is not a valid key.</exception>
    public static HostPublicKey FromBase64(string signingKey, string encryptionKey)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(encryptionKey);
        if (!Primitives.TryDecodeBase64(signingKey, Primitives.KeySize, out var signing) || !Primitives.IsValidEd25519PublicKey(signing))
        {
            throw new KeyFileException(KeyFileErrorCode.InvalidKey, "The host signing key is not a valid base64 Ed25519 public key (canonical, of prime order).");
        }

        if (!Primitives.TryDecodeBase64(encryptionKey, Primitives.KeySize, out var encryption) || !Primitives.IsCanonicalX25519(encryption) || Primitives.IsLowOrderX25519(encryption))
        {
            throw new KeyFileException(KeyFileErrorCode.InvalidKey, "The host encryption key is not a valid base64 X25519 public key (canonical u < 2^255 - 19, top bit clear, not of low order).");
        }

        return new HostPublicKey(signing, encryption);
    }

    /// <summary>Exports an armored host public key file ("-----BEGIN LICENSEPORTAL HOST PUBLIC KEY-----").</summary>
    /// <returns>The file content.</returns>
    public string Export() => KeyFiles.Write(KeyFiles.HostPublicLabel, "Fingerprint", Fingerprint, [.. _signing, .. _encryption]);

    /// <summary>Imports an armored host public key file.</summary>
    /// <param name="text">The file content.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyFileException">The text is not a host public key file, or its fingerprint does not match.</exception>
    public static HostPublicKey Import(string text)
    {
        var (fingerprint, body) = KeyFiles.Read(text, KeyFiles.HostPublicLabel, "Fingerprint", Primitives.KeySize * 2);
        var key = FromBase64(Convert.ToBase64String(body, 0, Primitives.KeySize), Convert.ToBase64String(body, Primitives.KeySize, Primitives.KeySize));
        if (!string.Equals(fingerprint, key.Fingerprint, StringComparison.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.KeyIdMismatch, "The fingerprint written in the host public key file does not match the key it holds.");
        }

        return key;
    }

    /// <summary>True if both hold the same two public keys (same fingerprint).</summary>
    /// <param name="other">The other key.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(HostPublicKey? other) => other is not null && string.Equals(Fingerprint, other.Fingerprint, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as HostPublicKey);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Fingerprint);

    /// <inheritdoc />
    public override string ToString() => $"host key {Fingerprint}";
}
