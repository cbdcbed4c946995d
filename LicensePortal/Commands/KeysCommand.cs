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
    internal const string Program = "LicensePortal";

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
            var parsed = KeysArguments.Parse(args[2..], sub switch
            {
                "init-root" => ["--out"],
                "request" => ["--out"],
                "certify" => ["--root", "--request", "--out", "--valid-days"],
                "install" => ["--certificate"],
                _ => throw new KeysUsageException($"Unknown command 'keys {sub}'."),
            });
            return sub switch
            {
                "init-root" => RootCeremony.InitRoot(parsed.Required("--out"), output),
                "request" => RootCeremony.Request(new VendorKeyDirectory(LicensingOptions.ResolveKeyDirectory(options, environment)), parsed.Optional("--out"), output, error),
                "certify" => RootCeremony.Certify(parsed.Required("--root"), parsed.Required("--request"), parsed.Required("--out"), parsed.ValidDays(options), time, output),
                _ => RootCeremony.Install(new VendorKeyDirectory(LicensingOptions.ResolveKeyDirectory(options, environment)), parsed.Required("--certificate"), time, output),
            };
        }
        catch (KeysUsageException ex)
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

    /// <summary>A message as one line of standard error.</summary>
    internal static string OneLine(string message) => message.ReplaceLineEndings(" ");
}

/// <summary>A <c>keys</c> command refused: the message says why and what to do; nothing was changed.</summary>
public sealed class KeysCommandException(string message) : Exception(message);
