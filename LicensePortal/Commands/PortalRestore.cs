using LicensePortal.Data;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Commands;

/// <summary>
/// <c>restore --from FILE [--force]</c>, with the portal stopped: the archive is read and checked against its manifest
/// first (nothing is written before), then unpacked into staging folders beside the targets, checked there (SQLite's
/// integrity_check, the portal's own start-up key check), and only then moved into place with renames. A refusal at
/// any step leaves the targets as they were.
/// </summary>
internal static class PortalRestore
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static int Run(PortalDataLocation data, string fromPath, bool force, IHostEnvironment environment, TimeProvider time, TextWriter output)
    {
        var archive = Path.GetFullPath(fromPath);
        if (!File.Exists(archive))
        {
            throw new BackupRefusedException($"There is no archive at {archive}.");
        }
        var occupied = Occupied(data);
        if (occupied.Count > 0 && !force)
        {
            throw new BackupRefusedException($"The target is not empty ({string.Join(", ", occupied)}); nothing was changed. " +
                "Stop the portal and add --force to replace it (the current files are kept beside it as *.before-restore-TIME).");
        }

        // 1. Everything checked before anything is written.
        var manifest = BackupArchive.Read(archive);
        var hasDatabase = manifest.Files.Any(f => f.Path == BackupArchive.DatabaseEntry);
        if (manifest.Provider != data.Provider)
        {
            throw new BackupRefusedException($"The archive is a {manifest.Provider} portal's backup; this portal is configured for {data.Provider} (Database:Provider).");
        }
        if (data.Provider == DatabaseProvider.Sqlite && !hasDatabase)
        {
            throw new BackupRefusedException("The archive holds no database/licenseportal.db.");
        }
        if (!manifest.Files.Any(f => f.Path == $"{BackupArchive.KeysFolder}/{VendorKeyDirectory.RootPublicFile}"))
        {
            // Without it the start-up check would make a fresh root: a restore must bring the keys back, never new ones.
            throw new BackupRefusedException($"The archive holds no keys/{VendorKeyDirectory.RootPublicFile}.");
        }

        // 2. Unpacked into staging folders beside the targets (same file system: the final step is a rename).
        var stamp = time.GetUtcNow().ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var keyStage = StagingFolder(data.KeyDirectory);
        var databaseStage = data.Provider == DatabaseProvider.Sqlite ? StagingFolder(data.SqliteFile!) : null;
        var moved = new List<(string From, string To)>();
        try
        {
            var stagedDatabase = databaseStage is null ? null : Path.Combine(databaseStage, Path.GetFileName(data.SqliteFile!));
            BackupArchive.Read(archive, (name, content, mode) =>
            {
                var target = name == BackupArchive.DatabaseEntry ? stagedDatabase! : Path.Combine(keyStage, name[(BackupArchive.KeysFolder.Length + 1)..]);
                WriteStaged(target, content, mode);
            });

            // 3. Checked where they are staged.
            string? restoredMigration = null;
            if (stagedDatabase is not null)
            {
                restoredMigration = CheckSqlite(stagedDatabase, manifest);
            }
            CheckKeys(keyStage, data.Licensing, environment);

            // 4. The current files aside (with --force), the staged ones in; a failed move puts back what was moved.
            try
            {
                if (stagedDatabase is not null)
                {
                    foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                    {
                        MoveAside(data.SqliteFile! + suffix, $"{data.SqliteFile}.before-restore-{stamp}{suffix}", moved);
                    }
                }
                if (Directory.Exists(data.KeyDirectory) && !Directory.EnumerateFileSystemEntries(data.KeyDirectory).Any())
                {
                    Directory.Delete(data.KeyDirectory); // an empty folder is nothing to keep
                }
                MoveAside(data.KeyDirectory, $"{data.KeyDirectory}.before-restore-{stamp}", moved);
                if (stagedDatabase is not null)
                {
                    File.Move(stagedDatabase, data.SqliteFile!);
                    moved.Add((stagedDatabase, data.SqliteFile!));
                }
                Directory.Move(keyStage, data.KeyDirectory);
                moved.Add((keyStage, data.KeyDirectory));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Undo(moved);
                throw new BackupRefusedException($"The restored files could not be moved into place ({KeysCommand.OneLine(ex.Message)}); the previous files are back.");
            }

            output.WriteLine($"restore: {archive}: the backup of {manifest.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by portal {manifest.PortalVersion}, {manifest.Provider}, " +
                $"last migration {manifest.LastMigration ?? "unknown"}; every file matched its SHA-256.");
            if (stagedDatabase is not null)
            {
                output.WriteLine($"  database  {data.SqliteFile} ({new FileInfo(data.SqliteFile!).Length:N0} bytes): integrity_check ok, last migration {restoredMigration}");
            }
            var keyCount = manifest.Files.Count(f => f.Path.StartsWith(BackupArchive.KeysFolder + "/", StringComparison.Ordinal));
            output.WriteLine($"  keys      {data.KeyDirectory} ({keyCount} files): passes the portal's start-up key check");
            foreach (var file in manifest.Files)
            {
                output.WriteLine($"    {file.Path}  {file.Size:N0} bytes  sha256 {file.Sha256}");
            }
            foreach (var (from, to) in moved.Where(m => m.To.Contains(".before-restore-", StringComparison.Ordinal)))
            {
                output.WriteLine($"  the previous {from} is now {to}");
            }
            if (data.Provider == DatabaseProvider.Postgres)
            {
                output.WriteLine("The PostgreSQL database is restored from its pg_dump file, into an empty database (or add --clean), before the portal starts:");
                output.WriteLine("  " + PostgresCommands.Restore(data.PostgresConnectionString!, "licenseportal.pgdump"));
            }
            return 0;
        }
        finally
        {
            DeleteFolderQuietly(keyStage);
            if (databaseStage is not null)
            {
                DeleteFolderQuietly(databaseStage);
            }
        }
    }

    /// <summary>What is already at the targets: a database file (or its WAL) and any file in the key directory.</summary>
    private static List<string> Occupied(PortalDataLocation data)
    {
        var found = new List<string>();
        if (data.SqliteFile is { } db)
        {
            found.AddRange(new[] { db, db + "-wal", db + "-journal" }.Where(File.Exists));
        }
        if (Directory.Exists(data.KeyDirectory) && Directory.EnumerateFileSystemEntries(data.KeyDirectory).Any())
        {
            found.Add(data.KeyDirectory);
        }
        else if (File.Exists(data.KeyDirectory))
        {
            found.Add(data.KeyDirectory);
        }
        return found;
    }

    private static string StagingFolder(string target)
    {
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var stage = Path.Combine(parent, $".{Path.GetFileName(target)}.restore-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(stage);
        }
        else
        {
            Directory.CreateDirectory(stage, OwnerOnlyFolder);
        }
        return stage;
    }

    private static void WriteStaged(string path, Stream content, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // The archive's mode, but never more than owner read-write and read for others (vendor-root.pub, *.cert):
            // no execute, set-id or world-writable bit comes from an archive.
            options.UnixCreateMode = mode & (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead) | UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(path, options);
        content.CopyTo(file);
        file.Flush(flushToDisk: true);
    }

    private static string? CheckSqlite(string stagedDatabase, BackupManifest manifest)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = stagedDatabase, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            var check = PortalBackup.Execute(connection, "PRAGMA integrity_check;");
            if (check != "ok")
            {
                throw new BackupRefusedException($"The archive's database fails SQLite's integrity check ({check}).");
            }
            var last = PortalBackup.LastSqliteMigration(connection);
            if (last != manifest.LastMigration)
            {
                throw new BackupRefusedException($"The archive's database's last migration is {last ?? "none"}, its manifest says {manifest.LastMigration ?? "none"}.");
            }
            return last;
        }
        catch (SqliteException ex)
        {
            throw new BackupRefusedException($"The archive's database cannot be read by SQLite: {KeysCommand.OneLine(ex.Message)}");
        }
    }

    /// <summary>The portal's own start-up check (<see cref="VendorKeyCheck"/>) on the staged key directory.</summary>
    private static void CheckKeys(string keyStage, LicensingOptions configured, IHostEnvironment environment)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(environment)
            .AddSingleton(TimeProvider.System)
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(new LicensingOptions { KeyDirectory = keyStage, CertificateValidity = configured.CertificateValidity }))
            .AddSingleton<VendorKeyStore>();
        using var provider = services.BuildServiceProvider();
        using var error = new StringWriter();
        if (!VendorKeyCheck.Passes(provider, error))
        {
            throw new BackupRefusedException($"The archive's key directory fails the start-up key check: {error.ToString().Trim()}");
        }
    }

    private static void MoveAside(string path, string aside, List<(string From, string To)> moved)
    {
        if (File.Exists(path))
        {
            File.Move(path, aside);
            moved.Add((path, aside));
        }
        else if (Directory.Exists(path))
        {
            Directory.Move(path, aside);
            moved.Add((path, aside));
        }
    }

    private static void Undo(List<(string From, string To)> moved)
    {
        foreach (var (from, to) in Enumerable.Reverse(moved))
        {
            try
            {
                if (Directory.Exists(to))
                {
                    Directory.Move(to, from);
                }
                else
                {
                    File.Move(to, from);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // best effort; the message names the *.before-restore-* files to move back by hand
            }
        }
    }

    private static void DeleteFolderQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a staging folder of ours, 0700 and named as such
        }
    }
}
