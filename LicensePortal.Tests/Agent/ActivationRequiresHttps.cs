using System.Net;
using LicensePortal.Agent;

namespace LicensePortal.Tests.Agent;

/// <summary>
/// activate and renew send the bearer token and receive the license: over plain http only to a portal on the host itself
/// (localhost, 127.0.0.0/8, ::1); any other http server is refused as a usage error before a single request is sent.
/// </summary>
public sealed class ActivationRequiresHttps : IDisposable
{
    private const string Token = "lpact_0123456789abcdef_x";

    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData("http://portal.example.com")]
    [InlineData("http://licenses.example.com:8080/portal/")]
    [InlineData("HTTP://PORTAL.EXAMPLE.COM")]
    [InlineData("http://10.0.0.5:5000")]
    [InlineData("http://192.168.1.127")]
    [InlineData("http://[2001:db8::1]:5000/")]
    [InlineData("http://localhost.example.com")]
    [InlineData("http://127.0.0.1.nip.io")]
    public async Task Activate_refuses_a_plain_http_server_on_the_network_before_any_request(string server)
    {
        var requests = new List<Uri>();
        using var handler = new RecordingHandler(requests, _ => throw new InvalidOperationException("no request may be sent"));

        var (exit, _, error) = await _box.RunAsync(_box.Environment(_box.VendorRoot.PublicKey, handler), "activate", "--server", server, "--instance", "demo-01", "--token", Token);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("uses http", error, StringComparison.Ordinal);
        Assert.Contains("https", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error, StringComparison.Ordinal);
        Assert.Empty(requests);
        // Refused before anything is created or remembered.
        Assert.False(File.Exists(Path.Combine(_box.StateDir, "host.key")));
        Assert.False(File.Exists(Path.Combine(_box.StateDir, "server.conf")));
    }

    [Fact]
    public async Task Renew_refuses_a_remembered_or_given_plain_http_server_before_any_request()
    {
        await _box.HostInfoAsync();
        // What an older agent, which accepted any http URL, may have remembered.
        File.WriteAllText(Path.Combine(_box.StateDir, "server.conf"), $"server=http://portal.example.com\ninstance=demo-01\ntoken={Token}\n");
        var requests = new List<Uri>();
        using var handler = new RecordingHandler(requests, _ => throw new InvalidOperationException("no request may be sent"));
        var env = _box.Environment(_box.VendorRoot.PublicKey, handler);

        var remembered = await _box.RunAsync(env, "renew");
        var given = await _box.RunAsync(env, "renew", "--server", "http://10.1.2.3:5000");

        Assert.Equal(ExitCodes.Usage, remembered.Exit);
        Assert.Contains("'http://portal.example.com' uses http", remembered.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, given.Exit);
        Assert.Contains("'http://10.1.2.3:5000' uses http", given.Err, StringComparison.Ordinal);
        Assert.Empty(requests);
        Assert.False(File.Exists(Path.Combine(_box.StateDir, "license.lic")));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1")]
    [InlineData("http://127.8.9.10", "127.8.9.10")]
    [InlineData("http://localhost:8080/", "localhost")]
    [InlineData("http://LocalHost", "localhost")]
    [InlineData("http://[::1]:5000", "[::1]")]
    [InlineData("https://portal.example.com", "portal.example.com")]
    [InlineData("https://10.0.0.5:8443", "10.0.0.5")]
    public async Task Activate_talks_http_to_a_loopback_portal_and_https_to_any_portal(string server, string host)
    {
        var info = await _box.HostInfoAsync();
        var license = File.ReadAllText(_box.WriteLicense("served.lic", AgentSandbox.Content(info), info.HostPublicKey));
        var requests = new List<Uri>();
        using var handler = new RecordingHandler(requests, request => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(request.RequestUri!.AbsolutePath.EndsWith("/license", StringComparison.Ordinal) ? license : "{}"),
        });

        var (exit, output, error) = await _box.RunAsync(_box.Environment(_box.VendorRoot.PublicKey, handler), "activate", "--server", server, "--instance", "demo-01", "--token", Token);

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Equal(["/api/v1/instances/demo-01/hostinfo", "/api/v1/instances/demo-01/license"], requests.Select(u => u.AbsolutePath));
        Assert.All(requests, uri => Assert.Equal(host, uri.Host));
        Assert.True(File.Exists(Path.Combine(_box.StateDir, "license.lic")));
    }

    private sealed class RecordingHandler(List<Uri> requests, Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Add(request.RequestUri!);
            return Task.FromResult(answer(request));
        }
    }
}
