using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LicensePortal.Data;
using Npgsql;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of the test's own, for tests that stop, restart or kill the server (never the shared one of
/// LICENSEPORTAL_TEST_POSTGRES): initdb as the postgres user (initdb refuses root), a free loopback port, fsync off, as
/// .ci/start-postgres.sh. Stop and Start keep the port and the data; Kill is a SIGKILL of the postmaster. Disposing
/// stops it and removes its folder.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _bin;

    private PrivatePostgres(string folder, string bin, int port)
    {
        (_folder, _bin, Port) = (folder, bin, port);
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_folder, "data");

    /// <summary>The server's postgres database, pooled as the portal pools.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20;Timeout=5";

    /// <summary>Skips as every PostgreSQL test does where PostgreSQL is not there (CI has it: LICENSEPORTAL_TEST_POSTGRES).</summary>
    public static void SkipIfUnavailable() => TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);

    public static async Task<PrivatePostgres> CreateAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderBy(d => int.Parse(Path.GetFileName(Path.GetDirectoryName(d))!, CultureInfo.InvariantCulture)).LastOrDefault()
            ?? throw new InvalidOperationException("No PostgreSQL server under /usr/lib/postgresql: install Debian's postgresql (bash .ci/run does).");
        var folder = Directory.CreateTempSubdirectory("lp-pg-private-").FullName;
        await RunAsync("chown", ["postgres", folder]);
        var server = new PrivatePostgres(folder, bin, FreePort());
        try
        {
            await AsPostgresAsync($"{bin}/initdb -D {server.DataDirectory} -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 -N >{folder}/initdb.log 2>&1");
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped (or killed) server again on the same port and data; returns once it accepts connections.</summary>
    public Task StartAsync() => AsPostgresAsync(
        $"{_bin}/pg_ctl -D {DataDirectory} -o '-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100' -l {_folder}/log -w -t 60 start >/dev/null");

    /// <summary>A clean shutdown (fast: open sessions are ended), as an administrator or a package upgrade stops it.</summary>
    public Task StopAsync() => AsPostgresAsync($"{_bin}/pg_ctl -D {DataDirectory} -m fast -w -t 60 stop >/dev/null");

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>
    /// SIGKILL of the postmaster: no shutdown, no checkpoint. Its backends notice their postmaster is gone and exit (any left
    /// after a few seconds are killed too, or the next start would find the old shared memory in use); the next start
    /// runs crash recovery.
    /// </summary>
    public async Task KillAsync()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var children = ChildrenOf(pid);
        using (var postmaster = Process.GetProcessById(pid))
        {
            postmaster.Kill();
            await postmaster.WaitForExitAsync();
        }
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (children.Any(IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        foreach (var child in children.Where(IsAlive))
        {
            try
            {
                using var process = Process.GetProcessById(child);
                process.Kill();
                await process.WaitForExitAsync();
            }
            catch (ArgumentException)
            {
                // exited meanwhile
            }
        }
    }

    /// <summary>A new empty database on this server, for the portal under test.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = "lp_private_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        // The whole server goes with DisposeAsync.
        return new TestDatabase(DatabaseProvider.Postgres, new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString, () => Task.CompletedTask);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await AsPostgresAsync($"{_bin}/pg_ctl -D {DataDirectory} -m immediate -w stop >/dev/null 2>&1");
            }
            catch (InvalidOperationException)
            {
                // already stopped (killed and not started again)
            }
        }
        Directory.Delete(_folder, recursive: true);
    }

    private static Task AsPostgresAsync(string command) => RunAsync("su", ["postgres", "-s", "/bin/bash", "-c", command]);

    private static async Task RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static List<int> ChildrenOf(int pid) =>
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
            .Where(p => ParentOf(p) == pid).ToList();

    /// <summary>The fourth field of /proc/PID/stat, after the command in parentheses.</summary>
    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal); // a zombie has exited
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
