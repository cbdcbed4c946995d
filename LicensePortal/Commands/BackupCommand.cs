using LicensePortal.Data;
using LicensePortal.Options;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Commands;

/// <summary>
/// <c>LicensePortal backup --out FILE [--force]</c> and <c>LicensePortal restore --from FILE [--force]</c>: the
/// database and Licensing:KeyDirectory as one archive and back (<see cref="PortalBackup"/>, <see cref="PortalRestore"/>,
/// format in <see cref="BackupArchive"/>). Program.cs runs them before the portal is built: no web server, no
/// migration, no first-run setup that would make a fresh database or keys under a restore.
/// Exit code 0 on success, 1 with one line on standard error otherwise.
/// </summary>
public static class BackupCommand
{
    public const string BackupName = "backup";
    public const string RestoreName = "restore";

    public const string Usage = """
        Usage:
          LicensePortal backup --out FILE [--force]
              While the portal runs: write FILE (tar.gz, mode 0600) with a consistent copy of the SQLite database, the
              key directory (Licensing:KeyDirectory) and a manifest (portal version, time, provider, last migration,
              SHA-256 of every file). With PostgreSQL: the keys only, and the pg_dump line to run. --force replaces FILE.
          LicensePortal restore --from FILE [--force]
              With the portal stopped: check FILE against its manifest, then restore the database (ConnectionStrings:LicensePortal)
              and the key directory. Refuses a target that is not empty unless --force (the current files are kept
              beside it as *.before-restore-TIME).
        (With the sources: dotnet run --project LicensePortal -- backup ...; with a build: dotnet LicensePortal.dll backup ...)
        """;

    /// <summary>True when the command line asks for <c>backup</c> or <c>restore</c>.</summary>
    public static bool IsBackupCommand(string[] args) => args.Length > 0 && args[0] is BackupName or RestoreName;

    /// <summary>Runs <c>backup ...</c> or <c>restore ...</c> (<paramref name="args"/> is the whole command line).</summary>
    public static int Run(string[] args, IConfiguration configuration, IHostEnvironment environment, TimeProvider time, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(error);
        var name = args[0];
        try
        {
            var rest = args[1..];
            if (rest.Any(a => a is "help" or "--help" or "-h"))
            {
                error.WriteLine(Usage);
                return 1;
            }
            var force = rest.Contains("--force", StringComparer.Ordinal);
            var parsed = KeysArguments.Parse(rest.Where(a => a != "--force").ToArray(), name == BackupName ? ["--out"] : ["--from"]);
            var data = PortalDataLocation.From(configuration, environment);
            return name == BackupName
                ? PortalBackup.Run(data, parsed.Required("--out"), force, time, output)
                : PortalRestore.Run(data, parsed.Required("--from"), force, environment, time, output);
        }
        catch (KeysUsageException ex)
        {
            error.WriteLine($"{KeysCommand.Program} {name}: {ex.Message}");
            error.WriteLine(Usage);
            return 1;
        }
        catch (BackupRefusedException ex)
        {
            error.WriteLine($"{KeysCommand.Program} {name}: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException or InvalidOperationException)
        {
            error.WriteLine($"{KeysCommand.Program} {name}: {KeysCommand.OneLine(ex.Message)}");
            return 1;
        }
    }
}

/// <summary>Where the configured portal keeps its data: the database (a SQLite file or a PostgreSQL connection) and the key directory.</summary>
internal sealed record PortalDataLocation(DatabaseProvider Provider, string? SqliteFile, string? PostgresConnectionString, string KeyDirectory, LicensingOptions Licensing)
{
    public static PortalDataLocation From(IConfiguration configuration, IHostEnvironment environment)
    {
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var licensing = configuration.GetSection(LicensingOptions.Section).Get<LicensingOptions>() ?? new LicensingOptions();
        var keyDirectory = LicensingOptions.ResolveKeyDirectory(licensing, environment);
        var connectionString = configuration.GetConnectionString(DatabaseSetup.ConnectionStringName);
        if (provider == DatabaseProvider.Postgres)
        {
            return string.IsNullOrWhiteSpace(connectionString)
                ? throw new BackupRefusedException("Database:Provider is Postgres but ConnectionStrings:LicensePortal is empty.")
                : new PortalDataLocation(provider, null, connectionString, keyDirectory, licensing);
        }
        // The same resolution the portal uses (default data/licenseportal.db beside the app).
        var file = new SqliteConnectionStringBuilder(DatabaseSetup.PrepareSqlite(connectionString, environment.ContentRootPath)).DataSource;
        return file is "" or ":memory:"
            ? throw new BackupRefusedException("ConnectionStrings:LicensePortal names no SQLite file to back up or restore.")
            : new PortalDataLocation(provider, file, null, keyDirectory, licensing);
    }
}
