using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Agent;
using LicensePortal.Licensing;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Api;

/// <summary>The real portal on a port; the agent activates over HTTP with an activation token, then checks quotas offline.</summary>
public sealed class AgentActivationEndToEndTests
{
    [Fact]
    public async Task A_host_activates_itself_with_one_command_and_a_token_and_then_renews()
    {
        await using var portal = await PortalProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var tokenResponse = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "e2e" });
        var adminToken = (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        var admin = (await ApiTestKit.JsonAsync(await http.GetAsync(new Uri("api/v1/users?search=admin", UriKind.Relative)), HttpStatusCode.OK)).GetProperty("items")[0];
        using var create = await http.PostAsJsonAsync("api/v1/instances", new
        {
            name = "edge-01",
            ownerId = admin.GetProperty("id").GetString(),
            maxDesktops = 40, maxImages = 5, maxUsers = 50, maxVcpus = 64, maxVmemGib = 256, maxVdiskGib = 2048,
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        using var activationResponse = await http.PostAsJsonAsync("api/v1/instances/edge-01/activation-tokens", new { expiresInDays = 1 });
        var activationToken = (await ApiTestKit.JsonAsync(activationResponse, HttpStatusCode.Created)).GetProperty("token").GetString()!;
        // The agent is built with the root this portal serves (here through the test seam; a Release build compiles it in).
        var rootFile = await http.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative));

        using var box = new AgentSandbox();
        var env = box.Environment(VendorRootPublicKey.Import(rootFile));

        var (exit, output, error) = await box.RunAsync(env, "activate", "--server", portal.BaseAddress.ToString(), "--instance", "edge-01", "--token", activationToken);
        Assert.True(exit == 0, $"activate: {exit}\n{output}\n{error}\n{portal.Output}");
        Assert.Contains("Installed license revision 1", output, StringComparison.Ordinal);
        Assert.DoesNotContain(activationToken, output + error, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(box.StateDir, "server.conf")));
        }

        var check = await box.RunAsync(env, "check", "--desktops", "40", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1");
        Assert.True(check.Exit == 0, check.Out + check.Err);
        var over = await box.RunAsync(env, "check", "--desktops", "41", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1");
        Assert.Equal(ExitCodes.QuotaBase + 1, over.Exit);

        // The administrator raises a quota; renew (everything remembered) installs revision 2.
        using var raise = await http.PutAsJsonAsync("api/v1/instances/edge-01", new { maxDesktops = 80 });
        Assert.Equal(HttpStatusCode.OK, raise.StatusCode);
        var renew = await box.RunAsync(env, "renew");
        Assert.True(renew.Exit == 0, renew.Out + renew.Err);
        Assert.Contains("revision 2", renew.Out, StringComparison.Ordinal);
        var checkAfter = await box.RunAsync(env, "check", "--desktops", "80", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1");
        Assert.True(checkAfter.Exit == 0, checkAfter.Out + checkAfter.Err);
    }

    [Fact]
    public async Task The_agent_retries_transient_failures_and_never_installs_a_file_that_does_not_verify()
    {
        using var box = new AgentSandbox();
        var calls = new List<string>();
        var waits = new List<TimeSpan>();
        using var handler = new StubHandler(request =>
        {
            calls.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            return calls.Count switch
            {
                1 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
                2 => Throttled(),
                _ when request.RequestUri.AbsolutePath.EndsWith("/hostinfo", StringComparison.Ordinal) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") },
                _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("not a license") },
            };
        });
        var env = box.Environment(box.VendorRoot.PublicKey, handler, (d, _) => { waits.Add(d); return Task.CompletedTask; });

        var (exit, _, error) = await box.RunAsync(env, "activate", "--server", "https://portal.invalid", "--instance", "edge-01", "--token", "lpact_0123456789abcdef_x");

        Assert.Equal(ExitCodes.LicenseRejected, exit);
        Assert.Contains("not changed", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(box.StateDir, "license.lic")));
        Assert.Equal(["POST /api/v1/instances/edge-01/hostinfo", "POST /api/v1/instances/edge-01/hostinfo", "POST /api/v1/instances/edge-01/hostinfo", "POST /api/v1/instances/edge-01/license"], calls);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(7)], waits);
    }

    [Fact]
    public async Task The_agent_gives_up_after_a_bounded_number_of_attempts_and_stops_at_once_on_401()
    {
        using var box = new AgentSandbox();
        var failing = 0;
        using var refused = new StubHandler(_ => { failing++; throw new HttpRequestException("connection refused"); });
        string[] common = ["activate", "--server", "https://portal.invalid", "--instance", "edge-01", "--token", "lpact_0123456789abcdef_x"];

        var (exit, _, error) = await box.RunAsync(box.Environment(box.VendorRoot.PublicKey, refused), common);
        Assert.Equal(ExitCodes.Environment, exit);
        Assert.Equal(OnlineCommandsAttempts, failing);
        Assert.Contains("connection refused", error, StringComparison.Ordinal);

        var unauthorized = 0;
        using var denying = new StubHandler(_ => { unauthorized++; return new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = JsonContent.Create(new { code = "Error.Unauthorized", detail = "no" }) }; });
        var denied = await box.RunAsync(box.Environment(box.VendorRoot.PublicKey, denying), common);
        Assert.Equal(ExitCodes.NotSetUp, denied.Exit);
        Assert.Equal(1, unauthorized);
        Assert.Contains("Error.Unauthorized", denied.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activation_never_fetches_or_trusts_a_key_from_the_server()
    {
        using var box = new AgentSandbox();
        var info = await box.HostInfoAsync();
        // A server (or a man in the middle) that answers with a license from its own root, and offers that root everywhere.
        var foreignRoot = VendorRootKey.Generate();
        var key = VendorKey.Generate();
        var forged = LicenseFile.Issue(AgentSandbox.Content(info) with { MaxDesktops = 100_000 },
            new CertifiedSigningKey(key, foreignRoot.Certify(key.PublicKey, AgentSandbox.Start.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30))), info.HostPublicKey);
        var calls = new List<string>();
        using var handler = new StubHandler(request =>
        {
            calls.Add(request.RequestUri!.AbsolutePath);
            return request.RequestUri.AbsolutePath.EndsWith("/license", StringComparison.Ordinal)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(forged) }
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(foreignRoot.PublicKey.Export()) };
        });

        var (exit, _, error) = await box.RunAsync(box.Environment(box.VendorRoot.PublicKey, handler), "activate", "--server", "https://portal.invalid", "--instance", "demo-01", "--token", "lpact_0123456789abcdef_x");

        Assert.Equal(ExitCodes.LicenseRejected, exit);
        Assert.Contains("UnknownRootKey", error, StringComparison.Ordinal);
        Assert.Equal(["/api/v1/instances/demo-01/hostinfo", "/api/v1/instances/demo-01/license"], calls);
        Assert.False(File.Exists(Path.Combine(box.StateDir, "license.lic")));
    }

    [Fact]
    public async Task Activating_a_second_host_stops_at_the_rebind_request_and_fetches_no_license()
    {
        using var box = new AgentSandbox();
        var calls = new List<string>();
        using var handler = new StubHandler(request =>
        {
            calls.Add(request.RequestUri!.AbsolutePath);
            return new HttpResponseMessage(HttpStatusCode.Accepted) { Content = JsonContent.Create(new { accepted = false, pending = true }) };
        });

        var (exit, _, error) = await box.RunAsync(box.Environment(box.VendorRoot.PublicKey, handler), "activate", "--server", "https://portal.invalid", "--instance", "edge-01", "--token", "lpact_0123456789abcdef_x");

        Assert.Equal(ExitCodes.PendingApproval, exit);
        Assert.Contains("waits for an administrator's approval", error, StringComparison.Ordinal);
        Assert.Equal(["/api/v1/instances/edge-01/hostinfo"], calls);
        Assert.False(File.Exists(Path.Combine(box.StateDir, "license.lic")));
        Assert.True(File.Exists(Path.Combine(box.StateDir, "server.conf"))); // renew, once approved, needs no options
    }

    private static int OnlineCommandsAttempts => LicensePortal.Agent.Commands.OnlineCommands.MaxAttempts;

    private static HttpResponseMessage Throttled()
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        return response;
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
