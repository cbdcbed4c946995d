using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// A real SMTP server: aiosmtpd (python3-aiosmtpd) on a free loopback port, saving each accepted message to a folder
/// (Email/smtp_sink.py), so a test reads the mail the portal really sent. It can be stopped (an SMTP outage: connections
/// refused) and started again on the same port and folder. Disposing stops it and removes the folder.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lp-smtp-");
    private Process? _process;

    private SmtpSink(int port) => Port = port;

    public int Port { get; }

    /// <summary>The portal's settings for sending through this server (plain SMTP on loopback, no authentication).</summary>
    public Dictionary<string, string> PortalSettings() => new()
    {
        ["Email__Smtp__Host"] = "127.0.0.1",
        ["Email__Smtp__Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email__Smtp__StartTls"] = "false",
        ["Email__Smtp__Timeout"] = "00:00:05",
        ["Email__From"] = "License Portal <licenses@vendor.example>",
        ["Email__PortalUrl"] = PortalUrl,
    };

    /// <summary>The portal address the mail's links start with; tests point them at the process they started.</summary>
    public const string PortalUrl = "https://licenses.vendor.example/";

    public static async Task<SmtpSink> StartAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var sink = new SmtpSink(port);
        await sink.StartAgainAsync();
        return sink;
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>); returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        // Debian's python3-aiosmtpd is installed for the system's interpreter, which another python3 on PATH may hide.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "smtp_sink.SaveToFolder", Path.Combine(_folder.FullName, "mail")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PYTHONPATH"] = Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal.Tests", "Email");
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException("aiosmtpd did not start (is python3-aiosmtpd installed? bash .ci/run installs it).");
    }

    /// <summary>Stops the server: from now on connections are refused, as when the mail server is down.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Every message received so far, oldest first, with its envelope recipients.</summary>
    public IReadOnlyList<ReceivedMail> Messages()
    {
        var folder = new DirectoryInfo(Path.Combine(_folder.FullName, "mail"));
        if (!folder.Exists)
        {
            return [];
        }
        return folder.GetFiles("*.eml").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f =>
        {
            var message = MimeMessage.Load(f.FullName);
            var envelope = message.Headers["X-Envelope-To"] ?? "";
            return new ReceivedMail(message, envelope.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }).ToList();
    }

    /// <summary>Waits (bounded) until a message matching <paramref name="match"/> arrived; fails the test if none does.</summary>
    public async Task<ReceivedMail> WaitForAsync(Func<ReceivedMail, bool> match, TimeSpan timeout, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Messages().FirstOrDefault(match) is { } mail)
            {
                return mail;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"No such message arrived within {timeout}. Received: {string.Join(" | ", Messages().Select(m => m.Subject))}\n{context?.Invoke()}");
        throw new UnreachableException();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // the temp folder is cleaned by the OS
        }
    }
}

/// <summary>One message as the SMTP server received it; <see cref="EnvelopeTo"/> includes blind copies.</summary>
public sealed record ReceivedMail(MimeMessage Message, IReadOnlyList<string> EnvelopeTo)
{
    public string Text => Message.TextBody ?? "";

    public string Html => Message.HtmlBody ?? "";

    public string Subject => Message.Subject ?? "";

    public bool IsTo(string address) => EnvelopeTo.Contains(address, StringComparer.OrdinalIgnoreCase);
}
