using System.Net;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Outages;

/// <summary>
/// After PostgreSQL restarts, every connection the portal kept (the download path's prepared statements, the pool's
/// idle connections) is dead and is found so only when used. The first license generated and downloaded after the
/// restart used to answer 500; now a lost connection is replaced and the operation, which had not committed, runs once
/// more, so the very first requests succeed.
/// </summary>
public sealed class TheLicensePathSurvivesADatabaseRestart
{
    [SkippableFact]
    public async Task The_first_generate_and_download_after_a_restart_succeed()
    {
        PrivatePostgres.SkipIfUnavailable();
        await using var server = await PrivatePostgres.CreateAsync();
        var database = await server.CreateDatabaseAsync();
        await using var factory = new PortalWebFactory(database, new Dictionary<string, string> { ["Licensing:DownloadLimit"] = "1000" });
        var (carol, _) = await factory.CreateUserAsync("carol");
        using var owner = await ApiTestKit.ClientAsync(factory, carol);
        foreach (var name in new[] { "carols", "carols-b" })
        {
            await ApiTestKit.InstanceAsync(factory, name, carol);
            using var upload = await owner.PostAsync(new Uri($"/api/v1/instances/{name}/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo(name)));
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }
        // Several downloads at once: the download path keeps several read connections, the writer its own, the pool more.
        var warm = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            owner.PostAsync(new Uri(i % 2 == 0 ? "/api/v1/instances/carols/license" : "/api/v1/instances/carols-b/license", UriKind.Relative), null)));
        Assert.All(warm, w => Assert.Equal(HttpStatusCode.OK, w.StatusCode));

        await server.RestartAsync();

        using var generate = await owner.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null);
        Assert.True(generate.StatusCode == HttpStatusCode.OK, $"first generate after the restart: {(int)generate.StatusCode} {await generate.Content.ReadAsStringAsync()}");
        using var download = await owner.GetAsync(new Uri("/api/v1/instances/carols-b/license", UriKind.Relative));
        Assert.True(download.StatusCode == HttpStatusCode.OK, $"first download after the restart: {(int)download.StatusCode} {await download.Content.ReadAsStringAsync()}");
        // And a burst of them at once: each kept connection is replaced, none answers an error.
        var after = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? owner.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null)
            : owner.GetAsync(new Uri("/api/v1/instances/carols-b/license", UriKind.Relative))));
        Assert.All(after, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }
}
