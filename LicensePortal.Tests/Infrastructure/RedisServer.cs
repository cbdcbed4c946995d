using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// A throwaway Redis server of the test's own (Debian's redis-server, on a free loopback port, nothing saved to disk),
/// stopped when disposed. The binary is LICENSEPORTAL_TEST_REDIS_SERVER, else /usr/bin/redis-server.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string BinaryVariable = "LICENSEPORTAL_TEST_REDIS_SERVER";

    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static string Binary => Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } path ? path : "/usr/bin/redis-server";

    public int Port { get; }

    /// <summary>What the portal's LiveUpdates:Redis takes.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Skips loudly (the runner lists it as skipped, with this reason) when there is no redis-server to start.</summary>
    public static void SkipIfUnavailable() =>
        Skip.IfNot(File.Exists(Binary), $"Redis NOT TESTED: install redis-server (bash .ci/run does) or set {BinaryVariable}.");

    /// <summary>A port nothing listens on (for a Redis that is down).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts a server on <paramref name="port"/> (default: a free one) and waits until it answers.</summary>
    public static async Task<RedisServer> StartAsync(int? port = null)
    {
        var chosen = port ?? FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", chosen.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath(), "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Binary}");
        var server = new RedisServer(process, chosen);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode}: {await process.StandardOutput.ReadToEndAsync()}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, chosen);
                await using var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer);
                if (System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return server;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"redis-server on port {chosen} did not answer within 20 s");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
