using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Agent;
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
        var keys = await ApiTestKit.JsonAsync(await http.GetAsync(new Uri("api/v1/vendor-keys", UriKind.Relative)), HttpStatusCode.OK);
        var keyId = keys[0].GetProperty("keyId").GetString()!;

        var root = Directory.CreateTempSubdirectory("lp-e2e-agent-");
        try
        {
            var stateDir = Path.Combine(root.FullName, "state");
            var env = new AgentEnvironment { SystemRoot = root.FullName };
            string[] host = ["--mac", ApiTestKit.Mac, "--serial", ApiTestKit.Serial, "--state-dir", stateDir];

            var (exit, output, error) = await RunAsync(env, ["activate", "--server", portal.BaseAddress.ToString(), "--instance", "edge-01", "--token", activationToken, .. host]);
            Assert.True(exit == 0, $"activate: {exit}\n{output}\n{error}\n{portal.Output}");
            Assert.Contains(keyId, output, StringComparison.Ordinal);
            Assert.Contains("Installed license revision 1", output, StringComparison.Ordinal);
            Assert.DoesNotContain(activationToken, output + error, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(stateDir, "server.conf")));
            }

            var check = await RunAsync(env, ["check", "--desktops", "40", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1", .. host]);
            Assert.True(check.Exit == 0, check.Output + check.Error);
            var over = await RunAsync(env, ["check", "--desktops", "41", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1", .. host]);
            Assert.Equal(ExitCodes.QuotaBase + 1, over.Exit);

            // The administrator raises a quota; renew (everything remembered) installs revision 2.
            using var raise = await http.PutAsJsonAsync("api/v1/instances/edge-01", new { maxDesktops = 80 });
            Assert.Equal(HttpStatusCode.OK, raise.StatusCode);
            var renew = await RunAsync(env, ["renew", .. host]);
            Assert.True(renew.Exit == 0, renew.Output + renew.Error);
            Assert.Contains("revision 2", renew.Output, StringComparison.Ordinal);
            var checkAfter = await RunAsync(env, ["check", "--desktops", "80", "--images", "1", "--users", "1", "--vcpus", "1", "--vmem", "1", "--vdisk", "1", .. host]);
            Assert.True(checkAfter.Exit == 0, checkAfter.Output + checkAfter.Error);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(AgentEnvironment env, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AgentApp.RunAsync(args, output, error, env);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task The_agent_retries_transient_failures_and_never_installs_a_file_that_does_not_verify()
    {
        var root = Directory.CreateTempSubdirectory("lp-agent-retry-");
        try
        {
            var vendor = LicensePortal.Licensing.VendorKey.Generate();
            var calls = new List<string>();
            var waits = new List<TimeSpan>();
            var handler = new StubHandler(request =>
            {
                calls.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
                return calls.Count switch
                {
                    1 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
                    2 => Throttled(),
                    _ when request.RequestUri.AbsolutePath == "/vendor-key" => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(vendor.PublicKey.Export()) },
                    _ when request.RequestUri.AbsolutePath.EndsWith("/hostinfo", StringComparison.Ordinal) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") },
                    _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("not a license") },
                };
            });
            var env = new AgentEnvironment { SystemRoot = root.FullName, HttpHandler = handler, Delay = (d, _) => { waits.Add(d); return Task.CompletedTask; } };
            var stateDir = Path.Combine(root.FullName, "state");

            var (exit, _, error) = await RunAsync(env, ["activate", "--server", "http://portal.invalid", "--instance", "edge-01", "--token", "lpact_0123456789abcdef_x", "--mac", ApiTestKit.Mac, "--serial", ApiTestKit.Serial, "--state-dir", stateDir]);

            Assert.Equal(ExitCodes.LicenseRejected, exit);
            Assert.Contains("not changed", error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(stateDir, "license.lic")));
            Assert.Equal(["GET /vendor-key", "GET /vendor-key", "GET /vendor-key", "POST /api/v1/instances/edge-01/hostinfo", "POST /api/v1/instances/edge-01/license"], calls);
            Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(7)], waits);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_agent_gives_up_after_a_bounded_number_of_attempts_and_stops_at_once_on_401()
    {
        var root = Directory.CreateTempSubdirectory("lp-agent-retry-");
        try
        {
            var vendor = LicensePortal.Licensing.VendorKey.Generate();
            File.WriteAllText(Path.Combine(root.FullName, "vendor.pub"), vendor.PublicKey.Export());
            var failing = 0;
            var env = new AgentEnvironment
            {
                SystemRoot = root.FullName,
                HttpHandler = new StubHandler(_ => { failing++; throw new HttpRequestException("connection refused"); }),
                Delay = (_, _) => Task.CompletedTask,
            };
            string[] common = ["--server", "http://portal.invalid", "--instance", "edge-01", "--token", "lpact_0123456789abcdef_x", "--vendor-key", Path.Combine(root.FullName, "vendor.pub"), "--mac", ApiTestKit.Mac, "--serial", ApiTestKit.Serial, "--state-dir", Path.Combine(root.FullName, "state")];

            var (exit, _, error) = await RunAsync(env, ["activate", .. common]);
            Assert.Equal(ExitCodes.Environment, exit);
            Assert.Equal(OnlineCommandsAttempts, failing);
            Assert.Contains("connection refused", error, StringComparison.Ordinal);

            var unauthorized = 0;
            var env401 = new AgentEnvironment
            {
                SystemRoot = root.FullName,
                HttpHandler = new StubHandler(_ => { unauthorized++; return new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = JsonContent.Create(new { code = "Error.Unauthorized", detail = "no" }) }; }),
                Delay = (_, _) => Task.CompletedTask,
            };
            var denied = await RunAsync(env401, ["activate", .. common]);
            Assert.Equal(ExitCodes.NotSetUp, denied.Exit);
            Assert.Equal(1, unauthorized);
            Assert.Contains("Error.Unauthorized", denied.Error, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
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
