using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LicensePortal.Tests.Outages;

/// <summary>
/// The PostgreSQL server is killed (SIGKILL of the postmaster) under concurrent API writes to the real portal process,
/// then started again; the portal is not restarted. Every write acknowledged before, during or after the kill reads back
/// with its values; requests while the server is away answer 503 (never 500, never a dropped connection); requests
/// started after the server is back succeed. The counts go to the test output (docs/reliability.md).
/// </summary>
public sealed class ThePortalRecoversFromAPostgresKill(ITestOutputHelper output)
{
    private const int Writers = 4;

    private enum Phase { Before, Down, After }

    [SkippableFact]
    public async Task Acknowledged_writes_survive_the_outage_answers_503_and_the_portal_recovers_by_itself()
    {
        PrivatePostgres.SkipIfUnavailable();
        await using var server = await PrivatePostgres.CreateAsync();
        var database = await server.CreateDatabaseAsync();
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__LicensePortal"] = database.ConnectionString,
        });
        using var http = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(http));
        var ownerId = (await http.GetFromJsonAsync<JsonElement>("/api/v1/users")).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == PortalProcess.AdminUserName).GetProperty("id").GetString()!;

        var phase = (int)Phase.Before;
        var acknowledged = new ConcurrentDictionary<string, Expected>();
        var answered503 = new ConcurrentBag<Phase>();
        var wrong = new ConcurrentBag<string>();
        var succeededAfter = 0;
        using var stop = new CancellationTokenSource();

        async Task<HttpStatusCode?> SendAsync(HttpRequestMessage request, Func<HttpResponseMessage, Task> onSuccess)
        {
            var startedIn = (Phase)Volatile.Read(ref phase);
            try
            {
                using var answer = await http.SendAsync(request);
                if (answer.IsSuccessStatusCode)
                {
                    await onSuccess(answer);
                    if (startedIn == Phase.After)
                    {
                        Interlocked.Increment(ref succeededAfter);
                    }
                }
                else if (answer.StatusCode == HttpStatusCode.ServiceUnavailable && answer.Headers.RetryAfter is not null && startedIn != Phase.After)
                {
                    answered503.Add(startedIn);
                }
                else
                {
                    wrong.Add($"{request.Method} {request.RequestUri} started {startedIn}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                }
                return answer.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                wrong.Add($"{request.Method} {request.RequestUri} started {startedIn}: {ex.GetType().Name} {ex.Message}");
                return null;
            }
        }

        async Task WriteAsync(int writer)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var name = $"w{writer}-{n:D4}";
                Guid version = default;
                var created = await SendAsync(Create(name, ownerId, desktops: n % 100), async answer =>
                {
                    version = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetGuid();
                    acknowledged[name] = new Expected(n % 100, Updated: null);
                });
                if (created != HttpStatusCode.Created)
                {
                    continue;
                }
                var update = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/instances/{name}") { Content = JsonContent.Create(new { maxDesktops = 500 + n % 100, version }) };
                await SendAsync(update, _ =>
                {
                    acknowledged[name] = new Expected(n % 100, Updated: 500 + n % 100);
                    return Task.CompletedTask;
                });
            }
        }

        var started = DateTime.UtcNow;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
        await WaitUntilAsync(() => acknowledged.Count >= 40);
        Volatile.Write(ref phase, (int)Phase.Down);
        await server.KillAsync();
        await WaitUntilAsync(() => answered503.Count(p => p == Phase.Down) >= 8);
        await server.StartAsync();
        Volatile.Write(ref phase, (int)Phase.After);
        await WaitUntilAsync(() => Volatile.Read(ref succeededAfter) >= 40);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var elapsed = DateTime.UtcNow - started;

        var lost = new List<string>();
        foreach (var (name, expected) in acknowledged)
        {
            using var answer = await http.GetAsync($"/api/v1/instances/{name}");
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                lost.Add($"{name}: {(int)answer.StatusCode}");
                continue;
            }
            var desktops = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("maxDesktops").GetInt32();
            // An update that was not acknowledged may or may not have landed; an acknowledged one must have.
            if (expected.Updated is { } updated ? desktops != updated : desktops != expected.Created && desktops != 500 + expected.Created)
            {
                lost.Add($"{name}: maxDesktops {desktops}, acknowledged {expected}");
            }
        }

        output.WriteLine($"PostgreSQL SIGKILL under {Writers} API writers ({elapsed.TotalSeconds:F1} s): acknowledged {acknowledged.Count} instances " +
            $"({acknowledged.Values.Count(e => e.Updated is not null)} of them updated too), lost {lost.Count}, answered 503 {answered503.Count}, " +
            $"other answers {wrong.Count}, succeeded after recovery {succeededAfter}");
        Assert.True(wrong.IsEmpty, "answers other than success or 503 while the server was away:\n" + string.Join('\n', wrong.Take(20)) + "\n" + Tail(portal.Output));
        Assert.True(lost.Count == 0, "acknowledged writes lost:\n" + string.Join('\n', lost.Take(20)));
        Assert.NotEmpty(answered503);
    }

    private sealed record Expected(int Created, int? Updated);

    private static HttpRequestMessage Create(string name, string ownerId, int desktops) => new(HttpMethod.Post, "/api/v1/instances")
    {
        Content = JsonContent.Create(new { name, ownerId, maxDesktops = desktops, maxImages = 1, maxUsers = 1, maxVcpus = 1, maxVmemGib = 1, maxVdiskGib = 1,
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1) }),
    };

    private static async Task<string> TokenAsync(HttpClient http)
    {
        using var answer = await http.PostAsJsonAsync("/api/v1/tokens",
            new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "outage", expiresInDays = 1 });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Bounded: a phase that never comes fails the test by its assertions, not by hanging.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
