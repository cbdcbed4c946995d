using System.Globalization;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;

namespace LicensePortal.Commands;

/// <summary>
/// <c>LicensePortal keys SUB ...</c>: the vendor root ceremony, for a root kept offline. None of them needs the database
/// or a web server; Program.cs runs them before the portal is built.
/// <list type="bullet">
/// <item><c>keys init-root --out DIR</c>: anywhere (the root's machine): DIR/vendor-root.key (0600) and DIR/vendor-root.pub.</item>
/// <item><c>keys request [--out FILE]</c>: on the server: a new signing key in Licensing:KeyDirectory, not yet certified, and its request file.</item>
/// <item><c>keys certify --root KEY --request FILE --out CERT [--valid-days N]</c>: on the root's machine: the certificate.</item>
/// <item><c>keys install --certificate CERT</c>: on the server: checks the certificate and makes its key current.</item>
/// </list>
/// Exit code 0 on success, 1 with one line on standard error otherwise; nothing is changed by a refused command.
/// </summary>
public static class KeysCommand
{
    public const string Name = "keys";

    /// <summary>Longest certificate validity <c>keys certify --valid-days</c> accepts (100 years).</summary>
    public const int MaxValidDays = 36_500;

    /// <summary>How the command is written in the messages: the portal's assembly name (dotnet LicensePortal.dll, or dotnet run --project LicensePortal --).</summary>
    private const string Program = "LicensePortal";

    public const string Usage = """
        Usage:
          LicensePortal keys init-root --out DIR
              Create the vendor root key: DIR/vendor-root.key (secret, keep it offline) and DIR/vendor-root.pub.
          LicensePortal keys request [--out FILE]
              On the portal server: make a new signing key in Licensing:KeyDirectory (not yet certified, not current)
              and write its request file (default: KEYID.request in the key directory; '-' for standard output).
          LicensePortal keys certify --root DIR/vendor-root.key --request FILE --out CERT [--valid-days N]
              Where the root key is kept: certify the requested signing key from now for N days (default Licensing:CertificateValidity, 1826).
          LicensePortal keys install --certificate CERT
              On the portal server: check the certificate against the key directory's vendor-root.pub and make its key current.
        (With the sources: dotnet run --project LicensePortal -- keys ...; with a build: dotnet LicensePortal.dll keys ...)
        """;

    /// <summary>True when the command line asks for a <c>keys</c> command.</summary>
    public static bool IsKeysCommand(string[] args) => args.Length > 0 && args[0] == Name;

    /// <summary>Runs <c>keys ...</c> (<paramref name="args"/> starts with "keys").</summary>
    /// <param name="args">The whole command line.</param>
    /// <param name="options">The Licensing configuration section (key directory, certificate validity).</param>
    /// <param name="environment">For the content root the key directory is relative to.</param>
    /// <param name="time">The clock certificates are dated and checked with.</param>
    /// <param name="output">Where the results go.</param>
    /// <param name="error">Where the one-line error or the usage goes.</param>
    /// <returns>The exit code: 0 done, 1 refused or bad arguments.</returns>
    public static int Run(string[] args, LicensingOptions options, IHostEnvironment environment, TimeProvider time, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length < 2 || args[1] is "help" or "--help" or "-h")
        {
            error.WriteLine(Usage);
            return 1;
        }
        try
        {
            var sub = args[1];
            var parsed = Arguments.Parse(args[2..], sub switch
            {
                "init-root" => ["--out"],
                "request" => ["--out"],
                "certify" => ["--root", "--request", "--out", "--valid-days"],
                "install" => ["--certificate"],
                _ => throw new UsageException($"Unknown command 'keys {sub}'."),
            });
            return sub switch
            {
                "init-root" => InitRoot(parsed.Required("--out"), output),
                "request" => Request(new VendorKeyDirectory(LicensingOptions.ResolveKeyDirectory(options, environment)), parsed.Optional("--out"), output, error),
                "certify" => Certify(parsed.Required("--root"), parsed.Required("--request"), parsed.Required("--out"), ValidDays(parsed.Optional("--valid-days"), options), time, output),
                _ => Install(new VendorKeyDirectory(LicensingOptions.ResolveKeyDirectory(options, environment)), parsed.Required("--certificate"), time, output),
            };
        }
        catch (UsageException ex)
        {
            error.WriteLine($"{Program} keys: {ex.Message}");
            error.WriteLine(Usage);
            return 1;
        }
        catch (KeysCommandException ex)
        {
            error.WriteLine($"{Program} keys: {ex.Message}");
            return 1;
        }
        catch (VendorKeySetupException ex)
        {
            error.WriteLine($"{Program} keys: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{Program} keys: {OneLine(ex.Message)}");
            return 1;
        }
    }

    private static int InitRoot(string outDir, TextWriter output)
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
        output.WriteLine($"  -p:VendorRootPublicKeyFile={publicPath}, then on the portal server run '{Program} keys request'.");
        return 0;
    }

    private static int Request(VendorKeyDirectory directory, string? outFile, TextWriter output, TextWriter error)
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
        log.WriteLine($"  {Program} keys certify --root DIR/{VendorKeyDirectory.RootPrivateFile} --request {Path.GetFileName(name)} --out {key.KeyId}.cert");
        log.WriteLine($"then copy {key.KeyId}.cert back to this server and run: {Program} keys install --certificate {key.KeyId}.cert");
        return 0;
    }

    private static int Certify(string rootFile, string requestFile, string outFile, TimeSpan validity, TimeProvider time, TextWriter output)
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
        output.WriteLine($"Next: copy it to the portal server and run: {Program} keys install --certificate {Path.GetFileName(certificatePath)}");
        return 0;
    }

    private static int Install(VendorKeyDirectory directory, string certificateFile, TimeProvider time, TextWriter output)
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
                $"run '{Program} keys request' on this server (with this Licensing:KeyDirectory) and certify that request. Nothing was changed.");
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
                $"certify the request again with '{Program} keys certify'. Nothing was changed.");
        }
        directory.WriteCertificate(certificate);
        directory.WriteCurrent(certificate.SigningKeyId);
        output.WriteLine($"Installed the certificate of signing key {certificate.SigningKeyId} from vendor root {root.KeyId}, valid {Format(certificate.ValidFrom)} to {Format(certificate.ValidUntil)}.");
        output.WriteLine($"Signing key {certificate.SigningKeyId} is now current in {directory.Path}: new licenses are signed with it. Portals using this key");
        output.WriteLine("directory take it up by themselves within a few seconds (no restart); licenses signed with older keys keep verifying.");
        return 0;
    }

    private static TimeSpan ValidDays(string? value, LicensingOptions options)
    {
        if (value is null)
        {
            return options.CertificateValidity;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= MaxValidDays
            ? TimeSpan.FromDays(days)
            : throw new UsageException($"--valid-days '{value}' is not a whole number of days from 1 to {MaxValidDays}.");
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
            throw new KeysCommandException($"{option} {full} is not {expected}: {OneLine(ex.Message)}");
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>The command line after the sub-command: "--name value" pairs, each name once and known.</summary>
    private sealed class Arguments
    {
        private readonly Dictionary<string, string> _values;

        private Arguments(Dictionary<string, string> values) => _values = values;

        public static Arguments Parse(string[] args, string[] allowed)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                var inline = name.IndexOf('=', StringComparison.Ordinal);
                string? value = null;
                if (name.StartsWith("--", StringComparison.Ordinal) && inline > 0)
                {
                    value = name[(inline + 1)..];
                    name = name[..inline];
                }
                if (!allowed.Contains(name, StringComparer.Ordinal))
                {
                    throw new UsageException(name.StartsWith('-') ? $"Unknown option '{name}'." : $"Unexpected argument '{name}'.");
                }
                if (value is null)
                {
                    if (i + 1 >= args.Length)
                    {
                        throw new UsageException($"{name} needs a value.");
                    }
                    value = args[++i];
                }
                if (value.Length == 0)
                {
                    throw new UsageException($"{name} needs a value.");
                }
                if (!values.TryAdd(name, value))
                {
                    throw new UsageException($"{name} is given twice.");
                }
            }
            return new Arguments(values);
        }

        public string Required(string name) => _values.TryGetValue(name, out var value) ? value : throw new UsageException($"{name} is required.");

        public string? Optional(string name) => _values.GetValueOrDefault(name);
    }

    private sealed class UsageException(string message) : Exception(message);
}

/// <summary>A <c>keys</c> command refused: the message says why and what to do; nothing was changed.</summary>
public sealed class KeysCommandException(string message) : Exception(message);
