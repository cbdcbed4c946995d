using LicensePortal.Licensing;

namespace LicensePortal.Services;

/// <summary>
/// The files of Licensing:KeyDirectory (folder 0700, private files 0600): <c>vendor-root.pub</c> (the root public key
/// hosts trust), <c>vendor-root.key</c> (the root private key, only where the root is kept online), one
/// <c>KEYID.key</c> per signing key with its <c>KEYID.cert</c> from the root (absent while a request is pending), and
/// <c>current</c> (the id of the key that signs new licenses). Used by <see cref="VendorKeyStore"/> and by the
/// <c>keys</c> commands, so the layout is written down once.
/// </summary>
public sealed class VendorKeyDirectory(string path)
{
    public const string RootPublicFile = "vendor-root.pub";
    public const string RootPrivateFile = "vendor-root.key";
    private const string CurrentFile = "current";

    public string Path { get; } = path;

    public string RootPublicPath => System.IO.Path.Combine(Path, RootPublicFile);

    public string RootPrivatePath => System.IO.Path.Combine(Path, RootPrivateFile);

    public string KeyPath(string keyId) => System.IO.Path.Combine(Path, keyId + ".key");

    public string CertificatePath(string keyId) => System.IO.Path.Combine(Path, keyId + ".cert");

    /// <summary>The file naming the current signing key.</summary>
    public string CurrentPath => System.IO.Path.Combine(Path, CurrentFile);

    /// <summary>True when the folder holds neither a root nor a signing key: a portal's very first start.</summary>
    public bool IsEmpty => !File.Exists(RootPublicPath) && !SigningKeyFiles().Any();

    public void EnsureExists()
    {
        Directory.CreateDirectory(Path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The root public key; a folder with signing keys but no root is refused with the command that fixes it.</summary>
    public VendorRootPublicKey ReadRootPublic()
    {
        if (!File.Exists(RootPublicPath))
        {
            throw new VendorKeySetupException($"There is no {RootPublicFile} in {Path}. Create the vendor root with 'LicensePortal keys init-root --out DIR' " +
                $"and copy DIR/{RootPublicFile} here, then certify a signing key ('keys request', 'keys certify', 'keys install').");
        }
        return VendorRootPublicKey.Import(File.ReadAllText(RootPublicPath));
    }

    /// <summary>The root private key if it is kept here (the embedded default), else null. It must match vendor-root.pub.</summary>
    public VendorRootKey? ReadRootPrivate(VendorRootPublicKey rootPublic)
    {
        if (!File.Exists(RootPrivatePath))
        {
            return null;
        }
        var root = VendorRootKey.ImportPrivate(File.ReadAllText(RootPrivatePath));
        return root.PublicKey.Equals(rootPublic)
            ? root
            : throw new VendorKeySetupException($"{RootPrivatePath} is not the private half of {RootPublicPath} (root {root.KeyId}, expected {rootPublic.KeyId}).");
    }

    /// <summary>Every signing key file (KEYID.key), never the root's.</summary>
    public IEnumerable<string> SigningKeyFiles() =>
        Directory.Exists(Path)
            ? Directory.EnumerateFiles(Path, "*.key").Where(f => !string.Equals(System.IO.Path.GetFileName(f), RootPrivateFile, StringComparison.Ordinal))
            : [];

    /// <summary>The certificate of a signing key, or null when there is none yet (a pending request).</summary>
    public SigningKeyCertificate? ReadCertificate(string keyId) =>
        File.Exists(CertificatePath(keyId)) ? SigningKeyCertificate.Import(File.ReadAllText(CertificatePath(keyId))) : null;

    public string? ReadCurrentId() => File.Exists(CurrentPath) ? File.ReadAllText(CurrentPath).Trim() : null;

    public void WriteRoot(VendorRootKey root, bool withPrivate)
    {
        EnsureExists();
        if (withPrivate)
        {
            WriteFile(RootPrivatePath, root.ExportPrivate(), secret: true);
        }
        WriteFile(RootPublicPath, root.PublicKey.Export(), secret: false);
    }

    public void WriteSigningKey(VendorKey key)
    {
        EnsureExists();
        WriteFile(KeyPath(key.KeyId), key.ExportPrivate(), secret: true);
    }

    public void WriteCertificate(SigningKeyCertificate certificate) =>
        WriteFile(CertificatePath(certificate.SigningKeyId), certificate.Export(), secret: false);

    public void WriteCurrent(string keyId) => WriteFile(CurrentPath, keyId, secret: true);

    /// <summary>
    /// Writes through a temporary file and a rename, so a reader on another node never sees half a file. Without
    /// <paramref name="overwrite"/>, an existing file is left alone and <see cref="IOException"/> is thrown.
    /// </summary>
    public static void WriteFile(string path, string content, bool secret, bool overwrite = true)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }
        try
        {
            File.Move(temp, path, overwrite);
        }
        catch (IOException)
        {
            File.Delete(temp);
            throw;
        }
    }
}

/// <summary>The key directory cannot be used as it is; the message says which command fixes it.</summary>
public sealed class VendorKeySetupException(string message) : Exception(message);
