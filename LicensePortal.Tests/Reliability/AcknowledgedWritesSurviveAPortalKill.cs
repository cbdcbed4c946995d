using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LicensePortal.Tests.Reliability;

/// <summary>
/// The crash test (issue 17): the real portal process under concurrent writers on the real API (create, versioned
/// updates racing each other, host info uploads, license generation and downloads, deletes) is killed with SIGKILL at
/// random moments and started again on the same database. After every kill, before the restart, the database itself is
/// checked: the file (SQLite integrity_check and foreign_key_check; amcheck on PostgreSQL), every acknowledged write with
/// its values (a write cut off by the kill may have landed or not), no revision without its download and audit entry, no
/// audit entry without its change, download counts equal to the download rows, every stored revision verifying on its
/// host. After the restart the API must show the same. docs/reliability.md has the figures.
/// The short run (CI) is two kills after 4-12 s of load each; LICENSEPORTAL_CRASH_LONG=1 makes it five kills after 40-80 s
/// each; LICENSEPORTAL_CRASH_SEED=N repeats a run's timing and choices.
/// </summary>
[Trait("Category", "Crash")]
public sealed class AcknowledgedWritesSurviveAPortalKill(ITestOutputHelper output)
{
    public const string LongVariable = "LICENSEPORTAL_CRASH_LONG";
    public const string SeedVariable = "LICENSEPORTAL_CRASH_SEED";

    private const int Writers = 4;

    /// <summary>Acknowledged writes a round needs before its kill, whatever the machine's speed.</summary>
    private const int MinimumWritesPerRound = 40;

    private static readonly TimeSpan LongestRound = TimeSpan.FromMinutes(3);
    private const string OwnerPassword = "Crash-Own3r-Passw0rd!";

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task No_acknowledged_write_is_lost_and_none_is_half_done_when_the_portal_is_killed(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var longRun = Environment.GetEnvironmentVariable(LongVariable) == "1";
        var (kills, shortest, longest) = longRun ? (5, 40, 80) : (2, 4, 12);
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        output.WriteLine($"{provider}: {kills} kills, each after {shortest}-{longest} s of load, {Writers} writers and a contender, seed {seed} ({SeedVariable})");

        await using var database = provider == DatabaseProvider.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        var settings = new Dictionary<string, string>
        {
            // The load is the point: no rate limit or download limit may refuse it.
            ["RateLimits__TokenPermitLimit"] = "100000000",
            ["RateLimits__DownloadPermitLimit"] = "100000000",
            ["Licensing__DownloadLimit"] = "10000",
        };
        if (database is not null)
        {
            settings["Database__Provider"] = "Postgres";
            settings["ConnectionStrings__LicensePortal"] = database.ConnectionString;
        }
        await using var portal = await PortalProcess.StartAsync(settings);
        var (adminToken, ownerId, ownerToken, root) = await AccountsAsync(portal.BaseAddress);

        var random = new Random(seed);
        var ledger = new CrashLedger();
        var writers = Enumerable.Range(1, Writers).Select(n => new CrashWriter(n, ownerId, ledger, seed + n)).ToList();
        var contender = new CrashContender(ledger, seed - 1);
        var lost = new List<string>();
        var partial = new List<string>();
        var (landed, notLanded) = (0, 0);
        var load = TimeSpan.Zero;
        for (var kill = 1; kill <= kills; kill++)
        {
            var acknowledgedBefore = ledger.Acknowledged;
            var killAfter = TimeSpan.FromSeconds(shortest + (random.NextDouble() * (longest - shortest)));
            var roundTime = TimeSpan.Zero;
            using (var clients = Clients(portal.BaseAddress, adminToken, ownerToken, root))
            {
                var killed = false;
                var started = Stopwatch.StartNew();
                var running = writers.Select(w => Task.Run(() => w.RunAsync(clients, () => Volatile.Read(ref killed))))
                    .Append(Task.Run(() => contender.RunAsync(clients, () => Volatile.Read(ref killed)))).ToList();
                // The kill comes at the random moment, once the round has done some of everything (a slow, shared
                // machine gets there later). The writers stop only when the portal dies under them (before: a failure).
                var allStopped = Task.WhenAll(running);
                var licensesBefore = ledger.LicensesVerified;
                while (!allStopped.IsCompleted && started.Elapsed < LongestRound
                    && (started.Elapsed < killAfter || ledger.Acknowledged - acknowledgedBefore < MinimumWritesPerRound
                        || ledger.LicensesVerified == licensesBefore || ledger.Deletes == 0))
                {
                    await Task.WhenAny(Task.Delay(50), allStopped);
                }
                Volatile.Write(ref killed, true);
                await portal.KillAsync();
                roundTime = started.Elapsed;
                load += roundTime;
                await Task.WhenAll(running).WaitAsync(TimeSpan.FromMinutes(2));
            }

            var tracked = writers.SelectMany(w => w.Instances).ToList();
            CrashFindings findings;
            await using (var connection = CrashInspection.Connect(provider, portal.SqliteFile, database?.ConnectionString ?? ""))
            {
                findings = await CrashInspection.InspectAsync(connection, provider, tracked, root);
            }
            lost.AddRange(findings.Lost.Select(f => $"kill {kill}: {f}"));
            partial.AddRange(findings.Partial.Select(f => $"kill {kill}: {f}"));
            (landed, notLanded) = (landed + findings.InFlightApplied, notLanded + findings.InFlightNotApplied);

            var restart = Stopwatch.StartNew();
            await portal.RestartAsync();
            using (var clients = Clients(portal.BaseAddress, adminToken, ownerToken, root))
            {
                lost.AddRange((await CrashInspection.CheckThroughTheApiAsync(clients.Admin, tracked)).Select(f => $"kill {kill}, through the API: {f}"));
            }
            output.WriteLine($"kill {kill} after {roundTime.TotalSeconds:F1} s: {ledger.Acknowledged - acknowledgedBefore} writes acknowledged; " +
                $"in flight at the kill: {findings.InFlightApplied} landed, {findings.InFlightNotApplied} did not; lost {findings.Lost.Count}, partial {findings.Partial.Count}; " +
                $"{tracked.Count(t => t.Exists)} instances, restart {restart.Elapsed.TotalSeconds:F1} s");
        }

        var instances = writers.SelectMany(w => w.Instances).ToList();
        output.WriteLine($"{provider}: acknowledged {ledger.Acknowledged}, lost {lost.Count}, partial {partial.Count}, kills {kills}; " +
            $"load {load.TotalSeconds:F0} s ({ledger.Acknowledged / load.TotalSeconds:F0} acknowledged writes/s); cut off by the kills {ledger.CutOff} " +
            $"({landed} landed, {notLanded} did not); conflicts answered 409 {ledger.Conflicts}; licenses downloaded and verified {ledger.LicensesVerified}; " +
            $"instances {instances.Count} ({instances.Count(i => i.Exists)} live, {ledger.Deletes} deletes acknowledged); unexpected answers {ledger.Unexpected.Count}");
        foreach (var problem in lost.Concat(partial).Concat(ledger.Unexpected).Take(50))
        {
            output.WriteLine(problem);
        }
        Assert.True(lost.Count == 0 && partial.Count == 0 && ledger.Unexpected.IsEmpty,
            $"lost {lost.Count}, partial {partial.Count}, unexpected {ledger.Unexpected.Count}:\n{string.Join("\n", lost.Concat(partial).Concat(ledger.Unexpected).Take(30))}\n{portal.Output}");
        // A run that wrote almost nothing proves nothing.
        Assert.True(ledger.Acknowledged >= MinimumWritesPerRound * kills && ledger.LicensesVerified >= kills && ledger.Deletes > 0,
            $"too little load: {ledger.Acknowledged} acknowledged, {ledger.LicensesVerified} licenses, {ledger.Deletes} deletes");
    }

    private static CrashClients Clients(Uri baseAddress, string adminToken, string ownerToken, VendorRootPublicKey root) =>
        new(Client(baseAddress, adminToken), Client(baseAddress, ownerToken), root);

    private static HttpClient Client(Uri baseAddress, string token)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The administrator's token, a customer account (the instances' owner) with its token, and the vendor root the licenses verify against.</summary>
    private static async Task<(string AdminToken, string OwnerId, string OwnerToken, VendorRootPublicKey Root)> AccountsAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var adminToken = await TokenAsync(http, PortalProcess.AdminUserName, PortalProcess.AdminPassword);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var created = await http.PostAsJsonAsync("api/v1/users", new { userName = "crash-owner", password = OwnerPassword, role = "User" });
        var ownerId = (await ApiTestKit.JsonAsync(created, HttpStatusCode.Created)).GetProperty("user").GetProperty("id").GetString()!;
        http.DefaultRequestHeaders.Authorization = null;
        var ownerToken = await TokenAsync(http, "crash-owner", OwnerPassword);
        var root = VendorRootPublicKey.Import(await http.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative)));
        return (adminToken, ownerId, ownerToken, root);
    }

    private static async Task<string> TokenAsync(HttpClient http, string userName, string password)
    {
        using var response = await http.PostAsJsonAsync("api/v1/tokens", new { userName, password, name = "crash", expiresInDays = 1 });
        return (await ApiTestKit.JsonAsync(response, HttpStatusCode.Created)).GetProperty("token").GetString()!;
    }
}
