using System.Net;
using System.Text.Json;
using LicensePortal.Agent.Commands;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// The host agent checks in on its license request (activate, renew): the portal in process records when, the revision it
/// reported installed and its version, and refuses a malformed report as a whole.
/// </summary>
public sealed class AgentCheckInTests
{
    [Fact]
    public async Task An_agent_renew_records_last_seen_the_installed_revision_and_the_agents_version()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "edge-01", carol);
        var token = await ApiTestKit.ActivationTokenAsync(factory, "edge-01");
        using var anonymous = ApiTestKit.Anonymous(factory);
        var root = VendorRootPublicKey.Import(await anonymous.GetStringAsync(new Uri("/vendor-root.pub", UriKind.Relative)));
        using var box = new AgentSandbox();
        using var portal = factory.Server.CreateHandler();
        var host = box.Environment(root, portal);

        var started = DateTime.UtcNow;
        var activate = await box.RunAsync(host, "activate", "--server", "http://localhost", "--instance", "edge-01", "--token", token);
        Assert.True(activate.Exit == 0, activate.Out + activate.Err);
        var afterActivate = await RowAsync(factory, "edge-01");
        var renew = await box.RunAsync(host, "renew");
        Assert.True(renew.Exit == 0, renew.Out + renew.Err);
        var afterRenew = await RowAsync(factory, "edge-01");

        // activate found nothing installed; renew reported the revision activate had installed.
        Assert.Null(afterActivate.LastSeenRevision);
        Assert.Equal(1, afterRenew.LastSeenRevision);
        Assert.Equal(CheckInReport.CurrentAgentVersion, afterRenew.LastSeenAgentVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+", afterRenew.LastSeenAgentVersion);
        Assert.InRange(afterRenew.LastSeenAt!.Value, started.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.True(afterRenew.LastSeenAt >= afterActivate.LastSeenAt);
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var item = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri("/api/v1/instances/edge-01", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(1, item.GetProperty("lastSeenRevision").GetInt32());
        Assert.Equal(CheckInReport.CurrentAgentVersion, item.GetProperty("agentVersion").GetString());
        Assert.Equal(JsonValueKind.String, item.GetProperty("lastSeenAt").ValueKind);
    }

    [Fact]
    public async Task The_instance_list_takes_notSeenForDays_and_refuses_a_period_out_of_range()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        foreach (var name in new[] { "quiet-01", "recent-01", "never-01" })
        {
            await ApiTestKit.InstanceAsync(factory, name, carol);
        }
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Instances.Where(i => i.Name == "quiet-01").ExecuteUpdateAsync(s => s.SetProperty(i => i.LastSeenAt, DateTime.UtcNow.AddDays(-10)));
            await db.Instances.Where(i => i.Name == "recent-01").ExecuteUpdateAsync(s => s.SetProperty(i => i.LastSeenAt, DateTime.UtcNow.AddDays(-2)));
        }
        using var client = await ApiTestKit.ClientAsync(factory, carol);

        var week = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances?notSeenForDays=7", UriKind.Relative)), HttpStatusCode.OK);
        var day = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances?notSeenForDays=1", UriKind.Relative)), HttpStatusCode.OK);

        Assert.Equal(["quiet-01"], week.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(["quiet-01", "recent-01"], day.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        foreach (var days in new[] { "0", "-1", "3651" })
        {
            await ApiTestKit.ProblemAsync(await client.GetAsync(new Uri($"/api/v1/instances?notSeenForDays={days}", UriKind.Relative)), HttpStatusCode.BadRequest, "Error.InvalidValue", "notSeenForDays");
        }
    }

    public static TheoryData<string[], string, string> HostileHeaders => new()
    {
        { [CheckInReport.AgentVersionHeader, new string('9', 65)], "CheckIn.InvalidAgentVersion", "x-agent-version" },
        { [CheckInReport.AgentVersionHeader, "1.0.0\u00e9"], "CheckIn.InvalidAgentVersion", "x-agent-version" },
        { [CheckInReport.AgentVersionHeader, "1.0.0\t<script>"], "CheckIn.InvalidAgentVersion", "x-agent-version" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.AgentVersionHeader, "6.6.6"], "CheckIn.InvalidAgentVersion", "x-agent-version" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "-1"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "2147483648"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "1.5"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "+3"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "\u0663"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "1; DROP TABLE Instances"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.AgentVersionHeader, "1.0.0", CheckInReport.InstalledRevisionHeader, "1", CheckInReport.InstalledRevisionHeader, "2"], "CheckIn.InvalidRevision", "x-installed-revision" },
        { [CheckInReport.InstalledRevisionHeader, "3"], "Error.Required", "x-agent-version" },
    };

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public async Task A_malformed_check_in_is_refused_with_400_and_neither_records_nor_downloads_anything(string[] headers, string code, string field)
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "edge-01", carol);
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "edge-01"));
        using var upload = await host.PostAsync(new Uri("/api/v1/instances/edge-01/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("edge-01")));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var before = await SnapshotAsync(factory);

        using var response = await host.SendAsync(LicenseRequest(headers));

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, code, field);
        Assert.Equal(before, await SnapshotAsync(factory));
    }

    [Fact]
    public async Task A_check_in_changes_the_three_last_seen_columns_and_nothing_else_even_when_the_download_is_refused()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "edge-01", carol);
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "edge-01"));
        var before = JsonDocument.Parse(JsonSerializer.Serialize(await RowAsync(factory, "edge-01"))).RootElement;

        // No host info yet: the license is refused, but the host did call in.
        using var response = await host.SendAsync(LicenseRequest([CheckInReport.AgentVersionHeader, "2.0.0-beta+x", CheckInReport.InstalledRevisionHeader, "007"]));

        Assert.False(response.IsSuccessStatusCode);
        var row = await RowAsync(factory, "edge-01");
        var after = JsonDocument.Parse(JsonSerializer.Serialize(row)).RootElement;
        var changed = after.EnumerateObject().Where(p => p.Value.GetRawText() != before.GetProperty(p.Name).GetRawText()).Select(p => p.Name);
        Assert.Equal(["LastSeenAt", "LastSeenRevision", "LastSeenAgentVersion"], changed);
        Assert.Equal((7, "2.0.0-beta+x"), (row.LastSeenRevision, row.LastSeenAgentVersion));
    }

    private static HttpRequestMessage LicenseRequest(string[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/instances/edge-01/license");
        for (var i = 0; i < headers.Length; i += 2)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(headers[i], headers[i + 1]));
        }
        return request;
    }

    private static async Task<Instance> RowAsync(PortalWebFactory factory, string name)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Instances.AsNoTracking().SingleAsync(i => i.Name == name);
    }

    /// <summary>Every stored value of the instances, and how many audit entries, licenses and downloads there are.</summary>
    private static async Task<string> SnapshotAsync(PortalWebFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var instances = await db.Instances.AsNoTracking().OrderBy(i => i.Id).ToListAsync();
        return JsonSerializer.Serialize(new
        {
            instances,
            Audit = await db.AuditEntries.CountAsync(),
            Licenses = await db.Licenses.CountAsync(),
            Downloads = await db.LicenseDownloads.CountAsync(),
        });
    }
}
