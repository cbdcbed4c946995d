using System.Globalization;
using LicensePortal.Licensing;
using LicensePortal.Services;

namespace LicensePortal.Commands;

/// <summary>
/// The four steps of the vendor root ceremony, once <see cref="KeysCommand"/> has read the command line: on the root's
/// machine <c>init-root</c> and <c>certify</c>, on the portal server <c>request</c> and <c>install</c>. Each checks before
/// it writes and leaves nothing half-written; a refusal is a <see cref="KeysCommandException"/> saying what to do.
/// </summary>
internal static class RootCeremony
{
    public static int InitRoot(string outDir, TextWriter output)
    {
        var directory = Path.GetFullPath(outDir);
        var privatePath = Path.Combine(directory, VendorKeyDirectory.RootPrivateFile);
        var publicPath = Path.Combine(directory, VendorKeyDirectory.RootPublicFile);
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (File.Exists(path))
            {
                throw new KeysCommandException($"{path} exists already; a vendor root is made once and never overwritten (choose another --out).");
            }
        }
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var root = VendorRootKey.Generate();
        VendorKeyDirectory.WriteFile(privatePath, root.ExportPrivate(), secret: true, overwrite: false);
        try
        {
            VendorKeyDirectory.WriteFile(publicPath, root.PublicKey.Export(), secret: false, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(privatePath); // half a root is no root: leave the folder as it was
            throw;
        }
        output.WriteLine($"Created the vendor root key {root.KeyId}.");
        output.WriteLine($"  fingerprint:  {root.PublicKey.Fingerprint}");
        output.WriteLine($"  private key:  {privatePath} (mode 0600: keep it offline and backed up; it certifies every signing key)");
        output.WriteLine($"  public key:   {publicPath}");
        output.WriteLine("Next: copy vendor-root.pub into the portal's Licensing:KeyDirectory (never vendor-root.key), build the agent with");
        output.WriteLine($"  -p:VendorRootPublicKeyFile={publicPath}, then on the portal server run '{KeysCommand.Program} keys request'.");
        return 0;
    }

    public static int Request(VendorKeyDirectory directory, string? outFile, TextWriter output, TextWriter error)
    {
        directory.EnsureExists();
        // The request is certified by a root; without the root's public key here, its certificate could never be installed.
        var root = directory.ReadRootPublic();
        var key = VendorKey.Generate();
        var request = key.PublicKey.Export();
        var requestPath = outFile switch
        {
            "-" => null,
            null => Path.Combine(directory.Path, key.KeyId + ".request"),
            _ => Path.GetFullPath(outFile),
        };
        if (requestPath is not null && File.Exists(requestPath))
        {
            throw new KeysCommandException($"{requestPath} exists already; choose another --out.");
        }
        directory.WriteSigningKey(key);
        if (requestPath is null)
        {
            output.Write(request);
        }
        else
        {
            try
            {
                VendorKeyDirectory.WriteFile(requestPath, request, secret: false, overwrite: false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                File.Delete(directory.KeyPath(key.KeyId)); // no request written: no pending key left behind
                throw;
            }
        }
        var name = requestPath ?? key.KeyId + ".request";
        var log = requestPath is null ? error : output; // with '-' the request itself is the output
        log.WriteLine($"Made signing key {key.KeyId} in {directory.Path} (mode 0600; not certified yet, not current; licenses are still signed with the current key).");
        log.WriteLine(requestPath is null ? "The request (its public key) is on standard output." : $"Request: {requestPath}");
        log.WriteLine($"Next: copy the request to the machine that keeps the vendor root {root.KeyId} and run there:");
        log.WriteLine($"  {KeysCommand.Program} keys certify --root DIR/{VendorKeyDirectory.RootPrivateFile} --request {Path.GetFileName(name)} --out {key.KeyId}.cert");
        log.WriteLine($"then copy {key.KeyId}.cert back to this server and run: {KeysCommand.Program} keys install --certificate {key.KeyId}.cert");
        return 0;
    }

    public static int Certify(string rootFile, string requestFile, string outFile, TimeSpan validity, TimeProvider time, TextWriter output)
    {
        var root = Read(rootFile, "--root", VendorRootKey.ImportPrivate, "a vendor root private key (vendor-root.key, made by 'keys init-root')");
        var requested = Read(requestFile, "--request", VendorPublicKey.Import, "a signing key request (KEYID.request, made by 'keys request')");
        var certificatePath = Path.GetFullPath(outFile);
        if (File.Exists(certificatePath))
        {
            throw new KeysCommandException($"{certificatePath} exists already; choose another --out.");
        }
        var now = time.GetUtcNow();
        // Valid from a few minutes before now, so a server whose clock is a little behind this machine's can install it at once.
        var certificate = root.Certify(requested, now - LicenseFile.ClockSkew, now + validity);
        VendorKeyDirectory.WriteFile(certificatePath, certificate.Export(), secret: false, overwrite: false);
        output.WriteLine($"Certified signing key {certificate.SigningKeyId} with vendor root {certificate.RootKeyId} (fingerprint {root.PublicKey.Fingerprint}).");
        output.WriteLine($"  valid from:   {Format(certificate.ValidFrom)}");
        output.WriteLine($"  valid until:  {Format(certificate.ValidUntil)} ({validity.TotalDays.ToString("0.##", CultureInfo.InvariantCulture)} days)");
        output.WriteLine($"  certificate:  {certificatePath}");
        output.WriteLine($"Next: copy it to the portal server and run: {KeysCommand.Program} keys install --certificate {Path.GetFileName(certificatePath)}");
        return 0;
    }

    public static int Install(VendorKeyDirectory directory, string certificateFile, TimeProvider time, TextWriter output)
    {
        var certificate = Read(certificateFile, "--certificate", SigningKeyCertificate.Import, "a signing key certificate (made by 'keys certify')");
        var root = directory.ReadRootPublic();
        if (!string.Equals(certificate.RootKeyId, root.KeyId, StringComparison.Ordinal))
        {
            throw new KeysCommandException($"The certificate is from vendor root {certificate.RootKeyId}, but this portal trusts root {root.KeyId} " +
                $"({directory.RootPublicPath}); certify the request with that root's vendor-root.key. Nothing was changed.");
        }
        if (!certificate.IsSignedBy(root))
        {
            throw new KeysCommandException($"The certificate's signature does not verify with vendor root {root.KeyId}: the file was altered or not made by that root. Nothing was changed.");
        }
        var keyPath = directory.KeyPath(certificate.SigningKeyId);
        if (!File.Exists(keyPath))
        {
            throw new KeysCommandException($"The certificate is for signing key {certificate.SigningKeyId}, which is not in {directory.Path}; " +
                $"run '{KeysCommand.Program} keys request' on this server (with this Licensing:KeyDirectory) and certify that request. Nothing was changed.");
        }
        var key = VendorKey.ImportPrivate(File.ReadAllText(keyPath));
        if (!key.PublicKey.Equals(certificate.SigningKey))
        {
            throw new KeysCommandException($"{keyPath} does not hold the key the certificate names. Nothing was changed.");
        }
        var now = time.GetUtcNow();
        if (!certificate.Covers(now))
        {
            var when = now < certificate.ValidFrom ? $"not valid before {Format(certificate.ValidFrom)}" : $"expired on {Format(certificate.ValidUntil)}";
            throw new KeysCommandException($"The certificate of signing key {certificate.SigningKeyId} is {when} (now {Format(now)}); " +
                $"certify the request again with '{KeysCommand.Program} keys certify'. Nothing was changed.");
        }
        directory.WriteCertificate(certificate);
        directory.WriteCurrent(certificate.SigningKeyId);
        output.WriteLine($"Installed the certificate of signing key {certificate.SigningKeyId} from vendor root {root.KeyId}, valid {Format(certificate.ValidFrom)} to {Format(certificate.ValidUntil)}.");
        output.WriteLine($"Signing key {certificate.SigningKeyId} is now current in {directory.Path}: new licenses are signed with it. Portals using this key");
        output.WriteLine("directory take it up by themselves within a few seconds (no restart); licenses signed with older keys keep verifying.");
        return 0;
    }

    /// <summary>Reads and imports one of the ceremony's files, turning every problem into one line that names the option.</summary>
    private static T Read<T>(string path, string option, Func<string, T> import, string expected)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            if (new FileInfo(full) is { Exists: true, Length: > 64 * 1024 })
            {
                throw new KeysCommandException($"{option} {full} is larger than 64 KiB; expected {expected}.");
            }
            text = File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeysCommandException($"{option} {full}: no such file.");
        }
        try
        {
            return import(text);
        }
        catch (KeyFileException ex)
        {
            throw new KeysCommandException($"{option} {full} is not {expected}: {KeysCommand.OneLine(ex.Message)}");
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
