using System.Net;
using System.Text.Json;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Observability;

/// <summary>
/// A load balancer's view of a node on PostgreSQL while the database server stops and starts again: ready fails with the
/// database named, live stays up (restarting the node would not help), and ready passes again once the server is back,
/// without restarting the portal.
/// </summary>
public sealed class ReadinessFollowsPostgreSQL
{
    [SkippableFact]
    public async Task Ready_fails_while_PostgreSQL_is_stopped_live_does_not_and_ready_returns_with_the_server()
    {
        PrivatePostgres.SkipIfUnavailable();
        await using var server = await PrivatePostgres.CreateAsync();
        await using var factory = new PortalWebFactory(await server.CreateDatabaseAsync());
        using var http = factory.CreateClient();
        var ready = await GetAsync(http, "/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("Healthy", ready.Checks["database"]);

        await server.StopAsync();
        var down = await GetAsync(http, "/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("Unhealthy", down.Checks["database"]);
        Assert.Equal("Healthy", down.Checks["vendor-keys"]);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "/healthz/live")).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(http, "/healthz")).Status);

        await server.StartAsync();
        // The relay's listening connection comes back on its own retry loop: until then the node is Degraded (still 200).
        for (var i = 0; i < 120 && (await GetAsync(http, "/healthz/ready")).Checks["relay"] != "Healthy"; i++)
        {
            await Task.Delay(250);
        }
        var back = await GetAsync(http, "/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, back.Status);
        Assert.All(back.Checks.Values, status => Assert.Equal("Healthy", status));
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, string> Checks)> GetAsync(HttpClient http, string path)
    {
        using var answer = await http.GetAsync(new Uri(path, UriKind.Relative));
        using var report = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return (answer.StatusCode, report.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!));
    }
}
