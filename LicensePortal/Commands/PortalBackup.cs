using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using LicensePortal.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LicensePortal.Commands;

/// <summary>
/// <c>backup --out FILE</c>: one archive (<see cref="BackupArchive"/>) of the database and the key directory, made
/// while the portal runs. SQLite is copied with the online backup API (a consistent snapshot even while the portal
/// writes; copying the file is not); PostgreSQL is left to pg_dump, whose command line is printed.
/// </summary>
internal static class PortalBackup
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static int Run(PortalDataLocation data, string outPath, bool force, TimeProvider time, TextWriter output)
    {
        var archivePath = Path.GetFullPath(outPath);
        if (Directory.Exists(archivePath))
        {
            throw new BackupRefusedException($"--out {outPath} is a folder; give the archive's file name.");
        }
        if (File.Exists(archivePath) && !force)
        {
            throw new BackupRefusedException($"{archivePath} exists; choose another name or add --force to replace it.");
        }
        var keyFiles = KeyFiles(data.KeyDirectory);
        var folder = Path.GetDirectoryName(archivePath)!;
        Directory.CreateDirectory(folder);
        var stamp = Guid.NewGuid().ToString("N")[..12];
        // Both beside the archive (the same file system, so the last step is a rename), and 0600 from their creation:
        // the database copy and the archive hold the signing keys and every account's password hash.
        var partial = Path.Combine(folder, $".{Path.GetFileName(archivePath)}.{stamp}.partial");
        var databaseCopy = Path.Combine(folder, $".{Path.GetFileName(archivePath)}.{stamp}.db");
        try
        {
            var files = new List<(BackupFile File, Func<Stream> Open)>();
            string? lastMigration;
            if (data.Provider == DatabaseProvider.Sqlite)
            {
                lastMigration = CopySqlite(data.SqliteFile!, databaseCopy);
                // Streamed, not read into memory: the database may be large. The copy is ours alone, so it cannot change.
                string hash;
                using (var copy = File.OpenRead(databaseCopy))
                {
                    hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(copy));
                }
                files.Add((new BackupFile(BackupArchive.DatabaseEntry, new FileInfo(databaseCopy).Length, hash), () => File.OpenRead(databaseCopy)));
            }
            else
            {
                lastMigration = PostgresLastMigration(data.PostgresConnectionString!, output);
            }
            foreach (var (name, bytes) in keyFiles)
            {
                files.Add((new BackupFile($"{BackupArchive.KeysFolder}/{name}", bytes.Length, BackupArchive.Sha256(bytes)), () => new MemoryStream(bytes, writable: false)));
            }

            var now = time.GetUtcNow();
            var manifest = new BackupManifest(BackupArchive.FormatVersion, PortalVersion(), now, data.Provider, lastMigration, files.Select(f => f.File).ToList());
            WriteArchive(partial, manifest, files, now);
            File.Move(partial, archivePath, overwrite: force);

            output.WriteLine($"backup: {archivePath} (mode 0600, tar.gz), portal {manifest.PortalVersion}, {data.Provider}, last migration {lastMigration ?? "unknown"}:");
            foreach (var file in manifest.Files)
            {
                output.WriteLine($"  {file.Path}  {file.Size:N0} bytes  sha256 {file.Sha256}");
            }
            if (data.Provider == DatabaseProvider.Postgres)
            {
                output.WriteLine("The PostgreSQL database is not in the archive. Dump it with (the password from ~/.pgpass or PGPASSWORD, never on the command line):");
                output.WriteLine("  " + PostgresCommands.Dump(data.PostgresConnectionString!, Path.ChangeExtension(StripTarGz(archivePath), ".pgdump")));
            }
            return 0;
        }
        finally
        {
            DeleteQuietly(partial);
            DeleteQuietly(databaseCopy);
            DeleteQuietly(databaseCopy + "-journal");
            DeleteQuietly(databaseCopy + "-wal");
            DeleteQuietly(databaseCopy + "-shm");
        }
    }

    /// <summary>The key directory's files, read once (they are small): what is hashed is what is archived.</summary>
    private static List<(string Name, byte[] Bytes)> KeyFiles(string keyDirectory)
    {
        if (!File.Exists(Path.Combine(keyDirectory, Services.VendorKeyDirectory.RootPublicFile)))
        {
            throw new BackupRefusedException($"{keyDirectory} holds no {Services.VendorKeyDirectory.RootPublicFile}: Licensing:KeyDirectory does not point at the portal's keys.");
        }
        var files = new List<(string, byte[])>();
        foreach (var entry in new DirectoryInfo(keyDirectory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            // VendorKeyDirectory writes through NAME.tmp and a rename: a .tmp is a write in progress, not a key.
            if (entry.Name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }
            if (entry.LinkTarget is not null || entry is not FileInfo)
            {
                throw new BackupRefusedException($"{entry.FullName} is a link or a folder; the key directory holds only files, and a backup copies only those.");
            }
            files.Add((entry.Name, File.ReadAllBytes(entry.FullName)));
        }
        return files;
    }

    /// <summary>
    /// The online backup API into a new 0600 file, then switched out of WAL (one self-contained file) and checked.
    /// Returns the last migration applied.
    /// </summary>
    private static string? CopySqlite(string sqliteFile, string copy)
    {
        if (!File.Exists(sqliteFile))
        {
            throw new BackupRefusedException($"There is no database at {sqliteFile} (ConnectionStrings:LicensePortal).");
        }
        CreatePrivateFile(copy);
        var source = new SqliteConnectionStringBuilder { DataSource = sqliteFile, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString();
        var target = new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var from = new SqliteConnection(source);
        using var to = new SqliteConnection(target);
        from.Open();
        to.Open();
        from.BackupDatabase(to);
        Execute(to, "PRAGMA journal_mode=DELETE;");
        var check = Execute(to, "PRAGMA integrity_check;");
        if (check != "ok")
        {
            throw new BackupRefusedException($"The copy of {sqliteFile} fails SQLite's integrity check ({check}); the database itself needs attention.");
        }
        return LastSqliteMigration(to);
    }

    internal static string? LastSqliteMigration(SqliteConnection connection) =>
        Execute(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory';") == "0"
            ? null
            : Execute(connection, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId DESC LIMIT 1;");

    internal static string? Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    private static string? PostgresLastMigration(string connectionString, TextWriter output)
    {
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\" DESC LIMIT 1", connection);
            return command.ExecuteScalar() as string;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The keys are worth backing up even while the database is away; the manifest then says "unknown".
            output.WriteLine($"backup: warning: the database's last migration could not be read ({KeysCommand.OneLine(ex.Message)}).");
            return null;
        }
    }

    private static void WriteArchive(string path, BackupManifest manifest, List<(BackupFile File, Func<Stream> Open)> files, DateTimeOffset now)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        using var file = new FileStream(path, options);
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            using var manifestData = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, BackupArchive.Json), writable: false);
            tar.WriteEntry(Entry(BackupArchive.ManifestEntry, manifestData, now));
            foreach (var (listed, open) in files)
            {
                using var data = open();
                tar.WriteEntry(Entry(listed.Path, data, now));
            }
        }
        file.Flush(flushToDisk: true);
    }

    private static PaxTarEntry Entry(string name, Stream data, DateTimeOffset now) =>
        new(TarEntryType.RegularFile, name) { DataStream = data, Mode = OwnerOnly, ModificationTime = now };

    internal static void CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        using var _ = new FileStream(path, options);
    }

    private static string PortalVersion() =>
        typeof(PortalBackup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(PortalBackup).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static string StripTarGz(string path) =>
        path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ? path[..^".tar.gz".Length] : path;

    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a leftover temporary file of ours; it is 0600 and named as such
        }
    }
}
