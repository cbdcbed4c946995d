using System.Net;
using System.Net.Http.Json;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Outages;

/// <summary>
/// While PostgreSQL is down, the API answers 503 with Retry-After and a problem document in the caller's language, for
/// reads and writes alike (the failure used to escape as 500 Error.Internal); once the server is back, the same requests
/// succeed without restarting the portal.
/// </summary>
public sealed class AnUnavailableDatabaseIsA503
{
    [SkippableFact]
    public async Task Reads_and_writes_answer_503_with_Retry_After_while_PostgreSQL_is_stopped_and_succeed_once_it_is_back()
    {
        PrivatePostgres.SkipIfUnavailable();
        await using var server = await PrivatePostgres.CreateAsync();
        var database = await server.CreateDatabaseAsync();
        await using var factory = new PortalWebFactory(database);
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        using var owner = await ApiTestKit.ClientAsync(factory, carol);
        using (var upload = await owner.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols"))))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        await server.StopAsync();

        foreach (var (language, words) in new[] { ("en", "database"), ("zh-CN", "数据库") })
        {
            foreach (var request in Requests(carol.UserId))
            {
                request.Headers.AcceptLanguage.ParseAdd(language);
                var client = request.RequestUri!.OriginalString.EndsWith("/license", StringComparison.Ordinal) ? owner : admin;
                using var answer = await client.SendAsync(request);
                var problem = await ApiTestKit.ProblemAsync(answer, HttpStatusCode.ServiceUnavailable, "Error.DatabaseUnavailable");
                Assert.Equal(TimeSpan.FromSeconds(5), answer.Headers.RetryAfter?.Delta);
                Assert.Contains(words, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
            }
        }

        await server.StartAsync();

        var statuses = new List<HttpStatusCode>();
        foreach (var request in Requests(carol.UserId))
        {
            var client = request.RequestUri!.OriginalString.EndsWith("/license", StringComparison.Ordinal) ? owner : admin;
            using var answer = await client.SendAsync(request);
            statuses.Add(answer.StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
    }

    /// <summary>A read, two writes (an instance created, a quota changed) and a license generated.</summary>
    private static IEnumerable<HttpRequestMessage> Requests(string ownerId)
    {
        var name = "after-" + Guid.NewGuid().ToString("N")[..8];
        yield return new HttpRequestMessage(HttpMethod.Get, "/api/v1/instances");
        yield return new HttpRequestMessage(HttpMethod.Post, "/api/v1/instances")
        {
            Content = JsonContent.Create(new { name, ownerId, maxDesktops = 1, maxImages = 1, maxUsers = 1, maxVcpus = 1, maxVmemGib = 1, maxVdiskGib = 1,
                expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1) }),
        };
        yield return new HttpRequestMessage(HttpMethod.Put, "/api/v1/instances/carols") { Content = JsonContent.Create(new { maxDesktops = 11 }) };
        yield return new HttpRequestMessage(HttpMethod.Post, "/api/v1/instances/carols/license");
    }
}
