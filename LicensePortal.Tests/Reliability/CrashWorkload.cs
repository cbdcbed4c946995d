using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Reliability;

/// <summary>An instance's quotas and expiry, as the API takes and answers them.</summary>
internal sealed record Quotas(int MaxDesktops, int MaxImages, int MaxUsers, int MaxVcpus, int MaxVmemGib, int MaxVdiskGib, DateOnly ExpiresOn)
{
    public static Quotas Random(Random random) => new(
        random.Next(1, 5000), random.Next(1, 500), random.Next(1, 10000), random.Next(1, 4096), random.Next(1, 65536), random.Next(1, 1 << 20),
        DateOnly.FromDateTime(DateTime.UtcNow).AddDays(random.Next(30, 3000)));

    /// <summary>From an instance in an API answer.</summary>
    public static Quotas Of(JsonElement instance) => new(
        instance.GetProperty("maxDesktops").GetInt32(), instance.GetProperty("maxImages").GetInt32(), instance.GetProperty("maxUsers").GetInt32(),
        instance.GetProperty("maxVcpus").GetInt32(), instance.GetProperty("maxVmemGib").GetInt32(), instance.GetProperty("maxVdiskGib").GetInt32(),
        DateOnly.Parse(instance.GetProperty("expiresAt").GetString()!, CultureInfo.InvariantCulture));

    /// <summary>From an audit entry's values (camelCase, expiry as <c>expiresOn</c>).</summary>
    public static Quotas OfAudit(JsonElement values) => new(
        values.GetProperty("maxDesktops").GetInt32(), values.GetProperty("maxImages").GetInt32(), values.GetProperty("maxUsers").GetInt32(),
        values.GetProperty("maxVcpus").GetInt32(), values.GetProperty("maxVmemGib").GetInt32(), values.GetProperty("maxVdiskGib").GetInt32(),
        DateOnly.Parse(values.GetProperty("expiresOn").GetString()!, CultureInfo.InvariantCulture));

    public static Quotas Of(LicenseContent content) =>
        new(content.MaxDesktops, content.MaxImages, content.MaxUsers, content.MaxVcpus, content.MaxVmemGib, content.MaxVdiskGib, content.ExpiresOn);

    public string ExpiresAt => ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>A write whose answer the kill cut off: it may or may not have landed, and either is correct.</summary>
internal abstract record Unanswered
{
    public sealed record Create(Quotas Quotas) : Unanswered;

    public sealed record Update(Quotas Quotas) : Unanswered;

    public sealed record Upload(string Mac) : Unanswered;

    public sealed record Download(bool Counted) : Unanswered;

    public sealed record Delete : Unanswered;
}

/// <summary>
/// One instance as the portal acknowledged it: every 2xx answer moves this on, and only that. Each instance is written by
/// one writer, one request at a time, so the last acknowledged values are exactly what must be stored (or the values of
/// the one write in flight when the portal was killed).
/// </summary>
internal sealed class TrackedInstance(string name, HostKey hostKey, string serial)
{
    public string Name { get; } = name;

    /// <summary>The instance's host: one key for its whole life; each upload brings a new MAC (a replaced network card).</summary>
    public HostKey HostKey { get; } = hostKey;

    public string Serial { get; } = serial;

    /// <summary>Created and not deleted, as acknowledged.</summary>
    public bool Exists { get; set; }

    public Quotas? Quotas { get; set; }

    /// <summary>The MAC of the last acknowledged host info upload; null before the first.</summary>
    public string? Mac { get; set; }

    /// <summary>The last version seen (possibly stale: a download moves it without saying; a 409 tells the current one).</summary>
    public Guid? Version { get; set; }

    /// <summary>Acknowledged customer downloads (vendor staff's do not count); after a kill, what is stored.</summary>
    public int CountedDownloads { get; set; }

    /// <summary>Acknowledged downloads, staff's included; after a kill, what is stored.</summary>
    public int Downloads { get; set; }

    /// <summary>Every revision downloaded, with the exact file served.</summary>
    public Dictionary<int, string> Licenses { get; } = [];

    /// <summary>Acknowledged downloads per revision (staff's included).</summary>
    public Dictionary<int, int> DownloadsOfRevision { get; } = [];

    public Unanswered? InFlight { get; set; }
}

/// <summary>What the whole run saw: counts, and every answer that should not have been given.</summary>
internal sealed class CrashLedger
{
    private long _acknowledged;
    private long _conflicts;
    private long _cutOff;
    private long _licensesVerified;
    private long _deletes;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>409 answers to versioned updates (another write came first); each is retried with the current version.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Requests whose answer the kill cut off.</summary>
    public long CutOff => Interlocked.Read(ref _cutOff);

    public long LicensesVerified => Interlocked.Read(ref _licensesVerified);

    public long Deletes => Interlocked.Read(ref _deletes);

    /// <summary>Answers the portal should never give under this load (5xx, an unexpected refusal, a license that does not verify).</summary>
    public ConcurrentQueue<string> Unexpected { get; } = new();

    /// <summary>Every instance name of every writer, for the contender.</summary>
    public ConcurrentQueue<string> Names { get; } = new();

    public void Acknowledge() => Interlocked.Increment(ref _acknowledged);

    public void Conflict() => Interlocked.Increment(ref _conflicts);

    public void CutOffByTheKill() => Interlocked.Increment(ref _cutOff);

    public void Verified() => Interlocked.Increment(ref _licensesVerified);

    public void Deleted() => Interlocked.Increment(ref _deletes);
}

/// <summary>The API clients of one round (one portal process): the administrator's and the customer's tokens.</summary>
internal sealed record CrashClients(HttpClient Admin, HttpClient Owner, VendorRootPublicKey Root) : IDisposable
{
    public void Dispose()
    {
        Admin.Dispose();
        Owner.Dispose();
    }
}

/// <summary>
/// A writer: creates instances for the customer, and on them runs versioned quota and expiry updates, host info uploads,
/// license generation and downloads (the customer's, counted, and vendor staff's, not counted), and deletes, one request
/// at a time, until the kill cuts it off: the kill does not wait for a quiet moment, so a write is nearly always in flight.
/// A connection that fails before the kill is a failure; after it, the write in flight is left unanswered.
/// </summary>
internal sealed class CrashWriter(int number, string ownerId, CrashLedger ledger, int seed)
{
    private const int LiveInstances = 4;

    private readonly Random _random = new(seed);
    private int _created;

    public List<TrackedInstance> Instances { get; } = [];

    /// <summary>Writes until the portal stops answering; <paramref name="killed"/> says whether that was the kill.</summary>
    public async Task RunAsync(CrashClients clients, Func<bool> killed)
    {
        while (true)
        {
            try
            {
                await StepAsync(clients);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                if (!killed())
                {
                    ledger.Unexpected.Enqueue($"writer {number}: the portal failed before it was killed: {ex.Message}");
                }
                ledger.CutOffByTheKill();
                return;
            }
        }
    }

    private Task StepAsync(CrashClients c)
    {
        var live = Instances.Where(i => i.Exists && i.InFlight is null).ToList();
        if (live.Count < LiveInstances || _random.NextDouble() < 0.03)
        {
            return CreateAsync(c);
        }
        var instance = live[_random.Next(live.Count)];
        if (instance.Mac is null)
        {
            return UploadAsync(c, instance);
        }
        var roll = _random.NextDouble();
        return roll switch
        {
            < 0.25 => UpdateAsync(c, instance),
            < 0.38 => UploadAsync(c, instance),
            < 0.68 => GenerateAsync(c, instance, staff: _random.NextDouble() < 0.2),
            < 0.93 => LatestAsync(c, instance, staff: _random.NextDouble() < 0.2),
            _ => DeleteAsync(c, instance),
        };
    }

    private async Task CreateAsync(CrashClients c)
    {
        var name = $"crash-w{number}-{++_created:D5}";
        var instance = new TrackedInstance(name, HostKey.Generate(), $"SN-{name}");
        var quotas = Quotas.Random(_random);
        Instances.Add(instance);
        ledger.Names.Enqueue(name);
        instance.InFlight = new Unanswered.Create(quotas);
        using var response = await c.Admin.PostAsJsonAsync("api/v1/instances", new
        {
            name, ownerId, quotas.MaxDesktops, quotas.MaxImages, quotas.MaxUsers, quotas.MaxVcpus, quotas.MaxVmemGib, quotas.MaxVdiskGib, expiresAt = quotas.ExpiresAt,
        });
        var body = await response.Content.ReadAsStringAsync();
        instance.InFlight = null;
        if (response.StatusCode != HttpStatusCode.Created)
        {
            Unexpected("create", name, response, body);
            return;
        }
        var created = JsonDocument.Parse(body).RootElement;
        instance.Exists = true;
        instance.Quotas = quotas;
        instance.Version = created.GetProperty("version").GetGuid();
        Expect(Quotas.Of(created) == quotas, $"create {name}: answered {Quotas.Of(created)}, sent {quotas}");
        ledger.Acknowledge();
    }

    private async Task UpdateAsync(CrashClients c, TrackedInstance instance)
    {
        var quotas = Quotas.Random(_random);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            instance.InFlight = new Unanswered.Update(quotas);
            using var response = await c.Admin.PutAsJsonAsync($"api/v1/instances/{instance.Name}", new
            {
                quotas.MaxDesktops, quotas.MaxImages, quotas.MaxUsers, quotas.MaxVcpus, quotas.MaxVmemGib, quotas.MaxVdiskGib, expiresAt = quotas.ExpiresAt,
                version = instance.Version,
            });
            var body = await response.Content.ReadAsStringAsync();
            instance.InFlight = null;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var updated = JsonDocument.Parse(body).RootElement;
                instance.Quotas = quotas;
                instance.Version = updated.GetProperty("version").GetGuid();
                Expect(Quotas.Of(updated) == quotas, $"update {instance.Name}: answered {Quotas.Of(updated)}, sent {quotas}");
                ledger.Acknowledge();
                return;
            }
            if (response.StatusCode != HttpStatusCode.Conflict)
            {
                Unexpected("update", instance.Name, response, body);
                return;
            }
            // Someone wrote first (a download, or the contender): the answer carries the stored values, which must be
            // the last acknowledged ones, and the version to try again with.
            ledger.Conflict();
            var current = JsonDocument.Parse(body).RootElement.GetProperty("current");
            Expect(Quotas.Of(current) == instance.Quotas, $"update {instance.Name}: the conflict showed {Quotas.Of(current)}, the last acknowledged values are {instance.Quotas}");
            instance.Version = current.GetProperty("version").GetGuid();
        }
        ledger.Unexpected.Enqueue($"update {instance.Name}: 10 conflicts in a row");
    }

    private async Task UploadAsync(CrashClients c, TrackedInstance instance)
    {
        var mac = string.Create(CultureInfo.InvariantCulture, $"52:54:{_random.Next(256):x2}:{_random.Next(256):x2}:{_random.Next(256):x2}:{_random.Next(256):x2}");
        var file = HostInfoFile.Write(instance.Name, mac, instance.Serial, instance.HostKey, DateTimeOffset.UtcNow);
        instance.InFlight = new Unanswered.Upload(mac);
        using var response = await c.Owner.PostAsync(new Uri($"api/v1/instances/{instance.Name}/hostinfo", UriKind.Relative), new StringContent(file, Encoding.UTF8, "text/plain"));
        var body = await response.Content.ReadAsStringAsync();
        instance.InFlight = null;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Unexpected("upload", instance.Name, response, body);
            return;
        }
        var answer = JsonDocument.Parse(body).RootElement.GetProperty("instance");
        instance.Mac = mac;
        instance.Version = answer.GetProperty("version").GetGuid();
        Expect(answer.GetProperty("mac").GetString() == mac, $"upload {instance.Name}: answered MAC {answer.GetProperty("mac").GetString()}, sent {mac}");
        ledger.Acknowledge();
    }

    private async Task GenerateAsync(CrashClients c, TrackedInstance instance, bool staff)
    {
        instance.InFlight = new Unanswered.Download(Counted: !staff);
        using var response = await (staff ? c.Admin : c.Owner).PostAsync(new Uri($"api/v1/instances/{instance.Name}/license", UriKind.Relative), null);
        var text = await response.Content.ReadAsStringAsync();
        instance.InFlight = null;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Unexpected("generate", instance.Name, response, text);
            return;
        }
        var content = Downloaded(c, instance, response, text, staff, "generate");
        // A generated license says what the instance says now: the last acknowledged quotas and expiry.
        Expect(content is null || Quotas.Of(content) == instance.Quotas, $"generate {instance.Name}: the license grants {(content is null ? null : Quotas.Of(content))}, the instance has {instance.Quotas}");
        Expect(content is null || content.Mac == instance.Mac, $"generate {instance.Name}: the license names MAC {content?.Mac}, the host on file has {instance.Mac}");
    }

    private async Task LatestAsync(CrashClients c, TrackedInstance instance, bool staff)
    {
        if (instance.Licenses.Count == 0)
        {
            await GenerateAsync(c, instance, staff);
            return;
        }
        instance.InFlight = new Unanswered.Download(Counted: !staff);
        using var response = await (staff ? c.Admin : c.Owner).GetAsync(new Uri($"api/v1/instances/{instance.Name}/license", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        instance.InFlight = null;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Unexpected("download", instance.Name, response, text);
            return;
        }
        Downloaded(c, instance, response, text, staff, "download");
    }

    /// <summary>An acknowledged download: the file must verify on the instance's host; its revision is recorded with the file.</summary>
    private LicenseContent? Downloaded(CrashClients c, TrackedInstance instance, HttpResponseMessage response, string text, bool staff, string what)
    {
        var revision = int.Parse(response.Headers.GetValues("X-License-Revision").Single(), CultureInfo.InvariantCulture);
        ledger.Acknowledge();
        instance.CountedDownloads += staff ? 0 : 1;
        instance.Downloads++;
        instance.DownloadsOfRevision[revision] = instance.DownloadsOfRevision.GetValueOrDefault(revision) + 1;
        if (instance.Licenses.TryGetValue(revision, out var earlier) && earlier != text)
        {
            ledger.Unexpected.Enqueue($"{what} {instance.Name}: revision {revision} was served with two different files");
        }
        instance.Licenses[revision] = text;
        var verified = LicenseVerifier.Verify(text, instance.HostKey, c.Root, new HostIdentity(instance.Mac!, instance.Serial), DateTimeOffset.UtcNow);
        if (!verified.IsValid)
        {
            ledger.Unexpected.Enqueue($"{what} {instance.Name}: revision {revision} does not verify: {verified.Code} {verified.Message}");
            return null;
        }
        ledger.Verified();
        Expect(verified.Content!.Revision == revision && verified.Content.InstanceName == instance.Name,
            $"{what} {instance.Name}: the file is revision {verified.Content.Revision} of {verified.Content.InstanceName}, the header says {revision}");
        return verified.Content;
    }

    private async Task DeleteAsync(CrashClients c, TrackedInstance instance)
    {
        instance.InFlight = new Unanswered.Delete();
        using var response = await c.Admin.DeleteAsync(new Uri($"api/v1/instances/{instance.Name}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        instance.InFlight = null;
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            Unexpected("delete", instance.Name, response, body);
            return;
        }
        instance.Exists = false;
        ledger.Acknowledge();
        ledger.Deleted();
    }

    private void Unexpected(string what, string name, HttpResponseMessage response, string body) =>
        ledger.Unexpected.Enqueue($"writer {number}: {what} {name}: {(int)response.StatusCode} {(body.Length > 300 ? body[..300] : body)}");

    private void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            ledger.Unexpected.Enqueue($"writer {number}: {failure}");
        }
    }
}

/// <summary>
/// Races the writers on their own instances: reads one and saves it unchanged with the version it read (a versioned
/// update, through the API like an administrator's grid). It lands only if nobody wrote in between, so it never changes
/// a value; what it does is move versions under the writers, whose updates then conflict and retry.
/// </summary>
internal sealed class CrashContender(CrashLedger ledger, int seed)
{
    private readonly Random _random = new(seed);

    public async Task RunAsync(CrashClients c, Func<bool> killed)
    {
        while (true)
        {
            var names = ledger.Names.ToArray();
            if (names.Length == 0)
            {
                if (killed())
                {
                    return;
                }
                await Task.Delay(10);
                continue;
            }
            var name = names[_random.Next(names.Length)];
            try
            {
                using var read = await c.Admin.GetAsync(new Uri($"api/v1/instances/{name}", UriKind.Relative));
                if (read.StatusCode == HttpStatusCode.NotFound)
                {
                    continue;
                }
                var body = await read.Content.ReadAsStringAsync();
                if (read.StatusCode != HttpStatusCode.OK)
                {
                    ledger.Unexpected.Enqueue($"contender: get {name}: {(int)read.StatusCode} {body}");
                    continue;
                }
                var instance = JsonDocument.Parse(body).RootElement;
                var q = Quotas.Of(instance);
                using var save = await c.Admin.PutAsJsonAsync($"api/v1/instances/{name}", new
                {
                    q.MaxDesktops, q.MaxImages, q.MaxUsers, q.MaxVcpus, q.MaxVmemGib, q.MaxVdiskGib, expiresAt = q.ExpiresAt,
                    version = instance.GetProperty("version").GetGuid(),
                });
                switch (save.StatusCode)
                {
                    case HttpStatusCode.OK:
                        ledger.Acknowledge();
                        break;
                    case HttpStatusCode.Conflict:
                        ledger.Conflict();
                        break;
                    case HttpStatusCode.NotFound:
                        break;
                    default:
                        ledger.Unexpected.Enqueue($"contender: update {name}: {(int)save.StatusCode} {await save.Content.ReadAsStringAsync()}");
                        break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                if (!killed())
                {
                    ledger.Unexpected.Enqueue($"contender: the portal failed before it was killed: {ex.Message}");
                }
                ledger.CutOffByTheKill();
                return;
            }
        }
    }
}
