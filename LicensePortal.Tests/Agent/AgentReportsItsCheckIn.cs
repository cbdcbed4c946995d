using System.Net;
using System.Reflection;
using LicensePortal.Agent;
using LicensePortal.Agent.Commands;
using LicensePortal.Services;

namespace LicensePortal.Tests.Agent;

/// <summary>activate and renew tell the portal the agent's version and the installed revision, on the license request only.</summary>
public sealed class AgentReportsItsCheckIn : IDisposable
{
    private readonly AgentSandbox _box = new();
    private readonly List<(string Path, string? Version, string? Revision)> _requests = [];

    public void Dispose() => _box.Dispose();

    /// <summary>A portal that records each request's check-in headers and refuses it (so nothing is installed).</summary>
    private StubHandler Portal() => new(request =>
    {
        _requests.Add((request.RequestUri!.AbsolutePath, Header(request, CheckInReport.AgentVersionHeader), Header(request, CheckInReport.InstalledRevisionHeader)));
        return request.RequestUri.AbsolutePath.EndsWith("/hostinfo", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") }
            : new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new StringContent("""{"code":"Error.Forbidden","detail":"no"}""") };
    });

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join("|", values) : null;

    private async Task InstallRevisionAsync(int revision)
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense($"r{revision}.lic", AgentSandbox.Content(info, revision), info.HostPublicKey));
    }

    private async Task<int> RenewAsync(string instance = "demo-01")
    {
        new AgentState(_box.StateDir).SaveServerConfig(new ServerConfig("https://portal.invalid", instance, "lpact_0123456789abcdef_x"));
        using var portal = Portal();
        return (await _box.RunAsync(_box.Environment(_box.VendorRoot.PublicKey, portal), "renew")).Exit;
    }

    [Fact]
    public async Task Activate_on_a_host_with_nothing_installed_sends_the_version_and_no_revision_on_the_license_request_only()
    {
        using var portal = Portal();

        var (exit, _, _) = await _box.RunAsync(_box.Environment(_box.VendorRoot.PublicKey, portal),
            "activate", "--server", "https://portal.invalid", "--instance", "demo-01", "--token", "lpact_0123456789abcdef_x");

        Assert.Equal(ExitCodes.NotSetUp, exit);
        Assert.Equal(
            [("/api/v1/instances/demo-01/hostinfo", null, null), ("/api/v1/instances/demo-01/license", CheckInReport.CurrentAgentVersion, null)],
            _requests);
    }

    [Fact]
    public async Task Renew_reports_the_revision_installed_for_its_instance_in_any_case()
    {
        await InstallRevisionAsync(3);

        Assert.Equal(ExitCodes.NotSetUp, await RenewAsync());
        Assert.Equal(ExitCodes.NotSetUp, await RenewAsync("DEMO-01"));
        Assert.Equal(ExitCodes.NotSetUp, await RenewAsync("other-01"));

        Assert.Equal([CheckInReport.CurrentAgentVersion], _requests.Select(r => r.Version).Distinct());
        Assert.Equal(["3", "3", null], _requests.Select(r => r.Revision));
    }

    [Fact]
    public async Task Renew_reports_no_revision_when_the_license_file_is_gone_or_the_high_water_mark_is_damaged()
    {
        await InstallRevisionAsync(2);
        File.WriteAllText(Path.Combine(_box.StateDir, "high-water"), "not a mark\n");
        Assert.Equal(ExitCodes.NotSetUp, await RenewAsync());
        File.Delete(Path.Combine(_box.StateDir, "high-water"));
        File.Delete(Path.Combine(_box.StateDir, "license.lic"));
        Assert.Equal(ExitCodes.NotSetUp, await RenewAsync());

        // The damaged mark did not stop the request (the install step reports it, as before).
        Assert.Equal([null, null], _requests.Select(r => r.Revision));
        Assert.All(_requests, r => Assert.EndsWith("/license", r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void The_version_is_the_agents_informational_version_and_the_portal_accepts_it()
    {
        var informational = typeof(CheckInReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        Assert.Equal(informational, CheckInReport.CurrentAgentVersion);
        Assert.True(HostCheckInRules.IsValidAgentVersion(CheckInReport.CurrentAgentVersion));
    }

    [Theory]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData(" 1.2.3 ", "1.2.3")]
    [InlineData(null, "unknown")]
    [InlineData("", "unknown")]
    [InlineData("1.2.3-\u00e9t\u00e9", "1.2.3-?t?")]
    [InlineData("1.2.3-preview.1.23456.789+0123456789abcdef0123456789abcdef01234567", "1.2.3-preview.1.23456.789")]
    [InlineData("1.2.3+0123456789abcdef0123456789abcdef01234567", "1.2.3+0123456789abcdef0123456789abcdef01234567")]
    public void A_version_the_portal_would_refuse_is_made_acceptable_before_it_is_sent(string? version, string sent)
    {
        Assert.Equal(sent, CheckInReport.Sanitize(version));
        Assert.True(HostCheckInRules.IsValidAgentVersion(CheckInReport.Sanitize(version)));
        Assert.True(HostCheckInRules.IsValidAgentVersion(CheckInReport.Sanitize(new string('x', 100))));
        Assert.True(HostCheckInRules.IsValidAgentVersion(CheckInReport.Sanitize("1" + new string(' ', 70) + "2")));
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
