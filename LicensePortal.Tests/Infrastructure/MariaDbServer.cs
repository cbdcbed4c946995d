using System.Diagnostics;
using MySqlConnector;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// A throwaway MariaDB server of the test's own (Debian's mariadb-server): a new data directory from
/// mariadb-install-db, mariadbd on a free loopback port with its own socket, no grant tables (root without a password,
/// loopback only). Disposing stops it and removes its files. One per test class: creating one takes seconds.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;
    private readonly Process _process;

    private MariaDbServer(DirectoryInfo folder, Process process, int port)
    {
        _folder = folder;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) => $"Server=127.0.0.1;Port={Port};User=root;Database={database};AllowUserVariables=true";

    public static async Task<MariaDbServer> StartAsync()
    {
        foreach (var binary in new[] { "/usr/bin/mariadb-install-db", "/usr/sbin/mariadbd" })
        {
            if (!File.Exists(binary))
            {
                throw new InvalidOperationException($"{binary} not found: install Debian's mariadb-server (bash .ci/run does).");
            }
        }
        var folder = Directory.CreateTempSubdirectory("lp-mariadb-");
        var data = Path.Combine(folder.FullName, "data");
        var install = Run("/usr/bin/mariadb-install-db", "--no-defaults", $"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db",
            $"--user={Environment.UserName}");
        var installOutput = await install.StandardOutput.ReadToEndAsync() + await install.StandardError.ReadToEndAsync();
        await install.WaitForExitAsync();
        if (install.ExitCode != 0)
        {
            folder.Delete(recursive: true);
            throw new InvalidOperationException($"mariadb-install-db failed ({install.ExitCode}): {installOutput}");
        }

        var port = RedisServer.FreePort();
        var process = Run("/usr/sbin/mariadbd", "--no-defaults", $"--datadir={data}", $"--socket={Path.Combine(folder.FullName, "sock")}",
            $"--port={port}", "--bind-address=127.0.0.1", "--skip-grant-tables", $"--user={Environment.UserName}",
            $"--pid-file={Path.Combine(folder.FullName, "pid")}", $"--log-error={Path.Combine(folder.FullName, "error.log")}",
            "--innodb-buffer-pool-size=16M", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci");
        var server = new MariaDbServer(folder, process, port);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = new MySqlConnection($"Server=127.0.0.1;Port={port};User=root;ConnectionTimeout=2");
                await connection.OpenAsync();
                return server;
            }
            catch (MySqlException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(250);
            }
            catch (MySqlException ex)
            {
                var log = File.Exists(Path.Combine(folder.FullName, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(folder.FullName, "error.log")) : "";
                await server.DisposeAsync();
                throw new InvalidOperationException($"mariadbd did not start: {ex.Message}\n{log}", ex);
            }
        }
    }

    /// <summary>Runs one statement on the server (no database selected).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new MySqlConnection($"Server=127.0.0.1;Port={Port};User=root");
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Process Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        MySqlConnection.ClearAllPools();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a file still held by the dying server; the temp folder is cleaned by the OS
        }
    }
}
