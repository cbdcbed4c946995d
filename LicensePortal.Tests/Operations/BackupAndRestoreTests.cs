using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Runtime.Versioning;
using System.Text;
using LicensePortal.Licensing;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Operations;

/// <summary>
/// A real portal process, a license issued on it, then <c>dotnet LicensePortal.dll backup</c> while two writers keep
/// changing quotas, uploading host info files and downloading licenses through the API. The tests restore that archive
/// with <c>dotnet LicensePortal.dll restore</c> (and damaged or hostile copies of it) and start a portal on the result.
/// </summary>
[SupportedOSPlatform("linux")] // file modes, /bin/sh for the umask
public sealed class BackedUpPortal : IAsyncLifetime
{
    public const string OwnerName = "backup-owner";
    private const string OwnerPassword = "Backup-Own3r-Passw0rd!";
    private static readonly string[] LoadInstances = ["backup-load-1", "backup-load-2"];
    private int _writes;

    public PortalProcess Portal { get; private set; } = null!;

    /// <summary>A folder for the archive, restores and tampered copies; removed at the end.</summary>
    public DirectoryInfo Work { get; } = Directory.CreateTempSubdirectory("lp-backup-");

    public string Archive => Path.Combine(Work.FullName, "archive", "portal-backup.tar.gz");

    public BackupCli.Result Backup { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    public VendorRootPublicKey Root { get; private set; } = null!;

    public const string InstanceName = "backup-a";

    public HostKey HostKey { get; } = HostKey.Generate();

    public string License { get; private set; } = "";

    public int Revision { get; private set; }

    /// <summary>Writes the portal acknowledged while the backup command ran.</summary>
    public int WritesDuringBackup { get; private set; }

    /// <summary>maxDesktops values the load instance had (each acknowledged); a consistent copy holds one of them.</summary>
    public HashSet<int> AcknowledgedDesktops { get; } = [];

    public async Task InitializeAsync()
    {
        Portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["RateLimits__TokenPermitLimit"] = "100000000",
            ["RateLimits__DownloadPermitLimit"] = "100000000",
            ["Licensing__DownloadLimit"] = "10000",
        });
        using var anonymous = new HttpClient { BaseAddress = Portal.BaseAddress };
        AdminToken = await BackupCli.TokenAsync(anonymous, PortalProcess.AdminUserName, PortalProcess.AdminPassword);
        using var admin = BackupCli.Client(Portal.BaseAddress, AdminToken);
        using var created = await admin.PostAsJsonAsync("api/v1/users", new { userName = OwnerName, password = OwnerPassword, role = "User" });
        var ownerId = (await ApiTestKit.JsonAsync(created, HttpStatusCode.Created)).GetProperty("user").GetProperty("id").GetString()!;
        using var owner = BackupCli.Client(Portal.BaseAddress, await BackupCli.TokenAsync(anonymous, OwnerName, OwnerPassword));
        Root = VendorRootPublicKey.Import(await anonymous.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative)));

        // The license that must survive: issued, downloaded and recorded before the backup.
        await BackupCli.CreateInstanceAsync(admin, InstanceName, ownerId);
        await BackupCli.UploadAsync(owner, InstanceName, HostKey);
        using (var license = await owner.PostAsync(new Uri($"api/v1/instances/{InstanceName}/license", UriKind.Relative), null))
        {
            License = await license.Content.ReadAsStringAsync();
            Assert.True(license.StatusCode == HttpStatusCode.OK, License);
            Revision = int.Parse(license.Headers.GetValues("X-License-Revision").Single(), CultureInfo.InvariantCulture);
        }

        // The load: quota edits, host info uploads and license downloads on two other instances, until the backup is done.
        AcknowledgedDesktops.Add(10);
        await BackupCli.CreateInstanceAsync(admin, "backup-load-1", ownerId);
        await BackupCli.CreateInstanceAsync(admin, "backup-load-2", ownerId);
        using var stop = new CancellationTokenSource();
        var writers = LoadInstances.Select(name => Task.Run(() => LoadAsync(admin, owner, name, stop.Token))).ToList();
        while (Volatile.Read(ref _writes) < 20 && !writers.Any(w => w.IsCompleted))
        {
            await Task.Delay(50);
        }
        var before = Volatile.Read(ref _writes);
        // umask 000: the archive must be 0600 because it is created so, not because the caller's umask happened to help.
        Backup = await BackupCli.RunAsync(Portal, umaskZero: true, "backup", "--out", Archive);
        WritesDuringBackup = Volatile.Read(ref _writes) - before;
        await stop.CancelAsync();
        await Task.WhenAll(writers);
    }

    private async Task LoadAsync(HttpClient admin, HttpClient owner, string name, CancellationToken stop)
    {
        var key = HostKey.Generate();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var version = await BackupCli.UploadAsync(owner, name, key);
            Interlocked.Increment(ref _writes);
            var desktops = name == "backup-load-1" ? 1000 + i : 5000 + i;
            lock (AcknowledgedDesktops)
            {
                AcknowledgedDesktops.Add(desktops); // before the answer: a write in flight at the copy may be in it
            }
            using (var updated = await admin.PutAsJsonAsync($"api/v1/instances/{name}", new { maxDesktops = desktops, version }, CancellationToken.None))
            {
                await ApiTestKit.JsonAsync(updated, HttpStatusCode.OK);
            }
            Interlocked.Increment(ref _writes);
            using (var license = await owner.PostAsync(new Uri($"api/v1/instances/{name}/license", UriKind.Relative), null, CancellationToken.None))
            {
                Assert.True(license.StatusCode == HttpStatusCode.OK, await license.Content.ReadAsStringAsync(CancellationToken.None));
            }
            Interlocked.Increment(ref _writes);
        }
    }

    public async Task DisposeAsync()
    {
        if (Portal is not null) // null when the portal never came up
        {
            await Portal.DisposeAsync();
        }
        Work.Delete(recursive: true);
    }
}

[SupportedOSPlatform("linux")]
public sealed class BackupAndRestoreTests(BackedUpPortal backedUp) : IClassFixture<BackedUpPortal>
{
    [Fact]
    public async Task A_backup_under_write_load_restores_a_portal_that_verifies_a_license_issued_before_it()
    {
        Assert.True(backedUp.Backup.Exit == 0, backedUp.Backup.ToString());
        Assert.True(backedUp.WritesDuringBackup > 0, "the portal acknowledged no write while the backup ran: the load proves nothing");
        Assert.Contains("database/licenseportal.db", backedUp.Backup.Out, StringComparison.Ordinal);

        var target = Target("restored");
        var restore = await BackupCli.RunAsync(target.Environment, "restore", "--from", backedUp.Archive);
        Assert.True(restore.Exit == 0, restore.ToString());
        Assert.Contains("integrity_check ok", restore.Out, StringComparison.Ordinal);
        Assert.Contains("passes the portal's start-up key check", restore.Out, StringComparison.Ordinal);

        await using var restored = await PortalProcess.StartAsync(new Dictionary<string, string>(target.Environment));
        using var anonymous = new HttpClient { BaseAddress = restored.BaseAddress };
        var root = VendorRootPublicKey.Import(await anonymous.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative)));
        Assert.Equal(backedUp.Root.KeyId, root.KeyId);
        var verified = LicenseVerifier.Verify(backedUp.License, backedUp.HostKey, root, new HostIdentity(ApiTestKit.Mac, ApiTestKit.Serial), DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, $"{verified.Code} {verified.Message}");

        // The administrator's token made before the backup works on the restored portal (its hash is in the database).
        using var admin = BackupCli.Client(restored.BaseAddress, backedUp.AdminToken);
        using var history = await admin.GetAsync(new Uri($"api/v1/instances/{BackedUpPortal.InstanceName}/licenses", UriKind.Relative));
        var rows = (await ApiTestKit.JsonAsync(history, HttpStatusCode.OK)).EnumerateArray().ToList();
        var row = Assert.Single(rows, r => r.GetProperty("revision").GetInt32() == backedUp.Revision);
        Assert.Equal(verified.Content!.VendorKeyId, row.GetProperty("vendorKeyId").GetString());
        Assert.Equal(BackedUpPortal.OwnerName, Assert.Single(row.GetProperty("downloads").EnumerateArray()).GetProperty("userName").GetString());

        // A consistent copy: each load instance holds quotas one of its acknowledged (or in-flight) writes set.
        foreach (var name in new[] { "backup-load-1", "backup-load-2" })
        {
            using var instance = await admin.GetAsync(new Uri($"api/v1/instances/{name}", UriKind.Relative));
            var desktops = (await ApiTestKit.JsonAsync(instance, HttpStatusCode.OK)).GetProperty("maxDesktops").GetInt32();
            Assert.Contains(desktops, backedUp.AcknowledgedDesktops);
        }
    }

    [Fact]
    public void The_archive_is_readable_by_its_owner_only()
    {
        Assert.True(backedUp.Backup.Exit == 0, backedUp.Backup.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backedUp.Archive));
        // No temporary file (the partial archive, the database copy) stays beside it.
        Assert.Equal(new[] { backedUp.Archive }, Directory.GetFiles(Path.GetDirectoryName(backedUp.Archive)!));
    }

    [Fact]
    public async Task A_restore_onto_a_non_empty_target_without_force_changes_nothing()
    {
        var target = Target("occupied");
        Directory.CreateDirectory(target.KeyDirectory);
        await File.WriteAllTextAsync(target.DatabaseFile, "the database that is there");
        await File.WriteAllTextAsync(Path.Combine(target.KeyDirectory, "vendor-root.pub"), "the key that is there");
        var before = Snapshot(target.Folder);

        var restore = await BackupCli.RunAsync(target.Environment, "restore", "--from", backedUp.Archive);

        Assert.True(restore.Exit == 1, restore.ToString());
        Assert.Contains("not empty", restore.Err, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(target.Folder));
    }

    [Fact]
    public async Task A_forced_restore_keeps_the_files_it_replaces_beside_them()
    {
        var target = Target("forced");
        Directory.CreateDirectory(target.KeyDirectory);
        await File.WriteAllTextAsync(target.DatabaseFile, "the database that is there");

        var restore = await BackupCli.RunAsync(target.Environment, "restore", "--from", backedUp.Archive, "--force");

        Assert.True(restore.Exit == 0, restore.ToString());
        var aside = Assert.Single(Directory.GetFiles(target.Folder, "portal.db.before-restore-*"));
        Assert.Equal("the database that is there", await File.ReadAllTextAsync(aside));
        Assert.NotEqual("the database that is there", await File.ReadAllTextAsync(target.DatabaseFile, Encoding.Latin1));
        Assert.True(File.Exists(Path.Combine(target.KeyDirectory, "vendor-root.pub")));
    }

    public static TheoryData<string> Tamperings => ["one byte of the archive", "one byte of the database", "a ../ entry", "an absolute path", "a symbolic link"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task A_tampered_archive_is_refused_and_writes_nothing(string tampering)
    {
        var tampered = Path.Combine(backedUp.Work.FullName, $"tampered-{Guid.NewGuid():N}.tar.gz");
        var escaped = Path.Combine(backedUp.Work.FullName, $"escaped-{Guid.NewGuid():N}");
        var entries = Entries(backedUp.Archive);
        switch (tampering)
        {
            case "one byte of the archive":
                var bytes = await File.ReadAllBytesAsync(backedUp.Archive);
                bytes[bytes.Length / 2] ^= 0x01;
                await File.WriteAllBytesAsync(tampered, bytes);
                break;
            case "one byte of the database":
                var database = entries.Single(e => e.Name == "database/licenseportal.db").Data;
                database[database.Length / 2] ^= 0x01;
                Write(tampered, entries);
                break;
            case "a ../ entry":
                // keys/../../escaped-X from the staging folder beside the target's key directory lands in Work.
                Write(tampered, [.. entries, ($"keys/../../{Path.GetFileName(escaped)}", "escaped"u8.ToArray(), TarEntryType.RegularFile, null)]);
                break;
            case "an absolute path":
                Write(tampered, [.. entries, (escaped, "escaped"u8.ToArray(), TarEntryType.RegularFile, null)]);
                break;
            default:
                Write(tampered, [.. entries, ("keys/link", [], TarEntryType.SymbolicLink, escaped)]);
                break;
        }
        var target = Target("tampered-" + Guid.NewGuid().ToString("N")[..8]);

        var restore = await BackupCli.RunAsync(target.Environment, "restore", "--from", tampered);

        Assert.True(restore.Exit == 1, restore.ToString());
        // A flipped bit in the compressed stream fails gzip's check, or the tar structure, or the garbled file's SHA-256:
        // whichever comes first, the command refuses with its one line.
        var expected = tampering switch
        {
            "one byte of the archive" => new[] { "LicensePortal restore: " },
            "one byte of the database" => ["does not match the manifest"],
            "a ../ entry" => ["'..'"],
            "an absolute path" => ["absolute path"],
            _ => ["SymbolicLink"],
        };
        Assert.True(expected.Any(e => restore.Err.Contains(e, StringComparison.Ordinal)), restore.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(target.Folder));
        Assert.False(File.Exists(escaped) || Directory.Exists(escaped), $"{escaped} was written");
    }

    /// <summary>An empty folder to restore into: the database file and the key directory inside it, as settings.</summary>
    private RestoreTarget Target(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(backedUp.Work.FullName, name)).FullName;
        return new RestoreTarget(folder, Path.Combine(folder, "portal.db"), Path.Combine(folder, "keys"));
    }

    private sealed record RestoreTarget(string Folder, string DatabaseFile, string KeyDirectory)
    {
        public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
        {
            ["ConnectionStrings__LicensePortal"] = $"Data Source={DatabaseFile}",
            ["Licensing__KeyDirectory"] = KeyDirectory,
        };
    }

    /// <summary>Every file and folder under <paramref name="folder"/> with its content's hash and mode.</summary>
    private static List<string> Snapshot(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => File.Exists(p) ? $"{p} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))} {File.GetUnixFileMode(p)}" : $"{p}/").ToList();

    private static List<(string Name, byte[] Data, TarEntryType Type, string? Link)> Entries(string archive)
    {
        var entries = new List<(string, byte[], TarEntryType, string?)>();
        using var gzip = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries.Add((entry.Name, data.ToArray(), entry.EntryType, null));
        }
        return entries;
    }

    private static void Write(string path, IEnumerable<(string Name, byte[] Data, TarEntryType Type, string? Link)> entries)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        using var writer = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, data, type, link) in entries)
        {
            var entry = new PaxTarEntry(type, name);
            if (link is not null)
            {
                entry.LinkName = link;
            }
            else
            {
                entry.DataStream = new MemoryStream(data);
            }
            writer.WriteEntry(entry);
        }
    }
}

/// <summary>
/// <c>dotnet LicensePortal.dll backup|restore ...</c> as its own process, with the settings given, and the API calls
/// the fixture's writers make.
/// </summary>
[SupportedOSPlatform("linux")]
public static class BackupCli
{
    public sealed record Result(int Exit, string Out, string Err)
    {
        public override string ToString() => $"exit {Exit}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    /// <summary>The command on <paramref name="portal"/>'s own database and key directory, while it runs.</summary>
    public static Task<Result> RunAsync(PortalProcess portal, bool umaskZero, params string[] args) =>
        RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__LicensePortal"] = $"Data Source={portal.SqliteFile}",
            ["Licensing__KeyDirectory"] = portal.KeyDirectory,
        }, umaskZero, args);

    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) => RunAsync(environment, false, args);

    private static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, bool umaskZero, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LicensePortal.dll");
        var start = umaskZero
            ? new ProcessStartInfo("/bin/sh", ["-c", "umask 000 && exec dotnet \"$@\"", "sh", dll, .. args])
            : new ProcessStartInfo("dotnet", [dll, .. args]);
        start.WorkingDirectory = Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"dotnet LicensePortal.dll {string.Join(' ', args)} was still running after 3 minutes. Output:\n{await output}\n{await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    public static HttpClient Client(Uri baseAddress, string token)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<string> TokenAsync(HttpClient http, string userName, string password)
    {
        using var response = await http.PostAsJsonAsync("api/v1/tokens", new { userName, password, name = "backup", expiresInDays = 1 });
        return (await ApiTestKit.JsonAsync(response, HttpStatusCode.Created)).GetProperty("token").GetString()!;
    }

    public static async Task CreateInstanceAsync(HttpClient admin, string name, string ownerId)
    {
        using var response = await admin.PostAsJsonAsync("api/v1/instances", new
        {
            name, ownerId, maxDesktops = 10, maxImages = 5, maxUsers = 20, maxVcpus = 64, maxVmemGib = 256, maxVdiskGib = 2048,
            expiresAt = DateTime.UtcNow.AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(response, HttpStatusCode.Created);
    }

    /// <summary>Uploads a host info file for the instance; returns the instance's new version.</summary>
    public static async Task<Guid> UploadAsync(HttpClient owner, string name, HostKey key)
    {
        using var response = await owner.PostAsync(new Uri($"api/v1/instances/{name}/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo(name, key)));
        return (await ApiTestKit.JsonAsync(response, HttpStatusCode.OK)).GetProperty("instance").GetProperty("version").GetGuid();
    }
}
