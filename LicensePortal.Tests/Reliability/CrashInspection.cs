using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LicensePortal.Tests.Reliability;

internal sealed record StoredInstance(long Id, string Name, Quotas Quotas, string Mac, string Fingerprint, int DownloadCount);

internal sealed record StoredLicense(long Id, long InstanceId, int Revision, string FileText);

internal sealed record StoredDownload(long Id, long LicenseId, long InstanceId, bool ByStaff);

internal sealed record StoredAudit(long Id, string Action, string Name, string? After);

/// <summary>What the database holds after a kill: problems found, by kind.</summary>
internal sealed class CrashFindings
{
    /// <summary>Acknowledged writes that are not stored (or stored with other values).</summary>
    public List<string> Lost { get; } = [];

    /// <summary>Half-done writes: a row without its companions (revision, download, audit entry, count), or a damaged file.</summary>
    public List<string> Partial { get; } = [];

    /// <summary>Writes cut off by the kill that turned out to have landed / not to have landed (both are correct).</summary>
    public int InFlightApplied { get; set; }

    public int InFlightNotApplied { get; set; }
}

/// <summary>
/// Reads the portal's database directly after a kill, before the portal starts again, and compares it with the
/// writers' acknowledged writes and with itself. Table and column names are the model's (AppDbContext); the audit
/// trail's shapes are AuditLog's.
/// </summary>
internal static class CrashInspection
{
    private static readonly string[] LicenseActions = ["license.generate", "license.download"];

    public static DbConnection Connect(DatabaseProvider provider, string sqliteFile, string postgres) => provider == DatabaseProvider.Sqlite
        ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = sqliteFile, Pooling = false }.ConnectionString)
        : new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres) { Pooling = false }.ConnectionString);

    /// <summary>Checks the database after a kill and settles every write that was in flight (landed or not).</summary>
    public static async Task<CrashFindings> InspectAsync(DbConnection connection, DatabaseProvider provider, IReadOnlyList<TrackedInstance> tracked, VendorRootPublicKey root)
    {
        var findings = new CrashFindings();
        await connection.OpenAsync();
        await CheckFileAsync(connection, provider, findings);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        var instances = await ReadAsync(connection, transaction,
            """SELECT "Id", "Name", "MaxDesktops", "MaxImages", "MaxUsers", "MaxVcpus", "MaxVmemGib", "MaxVdiskGib", "ExpiresOn", "Mac", "HostKeyFingerprint", "DownloadCount" FROM "Instances" """,
            r => new StoredInstance(Long(r, 0), r.GetString(1),
                new Quotas(Int(r, 2), Int(r, 3), Int(r, 4), Int(r, 5), Int(r, 6), Int(r, 7), Date(r, 8)), r.GetString(9), r.GetString(10), Int(r, 11)));
        var licenses = await ReadAsync(connection, transaction, """SELECT "Id", "InstanceId", "Revision", "FileText" FROM "Licenses" """,
            r => new StoredLicense(Long(r, 0), Long(r, 1), Int(r, 2), r.GetString(3)));
        var downloads = await ReadAsync(connection, transaction, """SELECT "Id", "LicenseRecordId", "InstanceId", "ByStaff" FROM "LicenseDownloads" """,
            r => new StoredDownload(Long(r, 0), Long(r, 1), Long(r, 2), Convert.ToBoolean(r.GetValue(3), CultureInfo.InvariantCulture)));
        var audit = await ReadAsync(connection, transaction,
            """SELECT "Id", "Action", "TargetKey", "After" FROM "AuditEntries" WHERE "TargetType" = 'instance' ORDER BY "Id" """,
            r => new StoredAudit(Long(r, 0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
        await transaction.CommitAsync();

        CheckTogether(instances, licenses, downloads, audit, findings);
        CheckAcknowledged(tracked, instances, licenses, downloads, root, findings);
        return findings;
    }

    /// <summary>The file or cluster itself: SQLite's own checks; on PostgreSQL the B-tree indexes against their tables (amcheck).</summary>
    private static async Task CheckFileAsync(DbConnection connection, DatabaseProvider provider, CrashFindings findings)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var integrity = await ReadAsync(connection, null, "PRAGMA integrity_check", r => r.GetString(0));
            if (integrity is not ["ok"])
            {
                findings.Partial.Add("integrity_check: " + string.Join("; ", integrity));
            }
            var foreignKeys = await ReadAsync(connection, null, "PRAGMA foreign_key_check", r => $"{r.GetString(0)} row {r.GetValue(1)} → {r.GetString(2)}");
            findings.Partial.AddRange(foreignKeys.Select(f => "foreign_key_check: " + f));
            return;
        }
        await using (var extension = connection.CreateCommand())
        {
            extension.CommandText = "CREATE EXTENSION IF NOT EXISTS amcheck";
            await extension.ExecuteNonQueryAsync();
        }
        try
        {
            var checkedIndexes = await ReadAsync(connection, null,
                """
                SELECT count(*) FROM (
                    SELECT bt_index_check(c.oid, true)
                    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE a.amname = 'btree' AND n.nspname = 'public') checked
                """, r => Long(r, 0));
            if (checkedIndexes is not [> 0])
            {
                findings.Partial.Add("amcheck checked no index");
            }
        }
        catch (PostgresException ex)
        {
            findings.Partial.Add("amcheck: " + ex.MessageText);
        }
        // PostgreSQL enforces foreign keys on every statement; what a kill could break is the rows' agreement with each other (below).
    }

    /// <summary>
    /// The rows agree with each other and with the audit trail: no revision without its download and audit entry, no
    /// audit entry without its change, download counts equal to the download rows.
    /// </summary>
    private static void CheckTogether(List<StoredInstance> instances, List<StoredLicense> licenses, List<StoredDownload> downloads, List<StoredAudit> audit, CrashFindings findings)
    {
        var byId = instances.ToDictionary(i => i.Id);
        var licenseById = licenses.ToDictionary(l => l.Id);
        foreach (var license in licenses.Where(l => !byId.ContainsKey(l.InstanceId)))
        {
            findings.Partial.Add($"revision {license.Revision} of instance id {license.InstanceId}: no such instance");
        }
        foreach (var download in downloads)
        {
            if (!licenseById.TryGetValue(download.LicenseId, out var license))
            {
                findings.Partial.Add($"download {download.Id}: no revision {download.LicenseId}");
            }
            else if (license.InstanceId != download.InstanceId)
            {
                findings.Partial.Add($"download {download.Id}: of instance {download.InstanceId}, its revision of {license.InstanceId}");
            }
        }

        var auditByName = audit.ToLookup(a => a.Name, StringComparer.Ordinal);
        var rowByName = instances.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var name in auditByName.Select(g => g.Key).Concat(rowByName.Keys).Distinct(StringComparer.Ordinal))
        {
            var entries = auditByName[name].ToList();
            var creates = entries.Count(e => e.Action == "instance.create");
            var deletes = entries.Count(e => e.Action == "instance.delete");
            if (!rowByName.TryGetValue(name, out var row))
            {
                if (creates != 1 || deletes != 1)
                {
                    findings.Partial.Add($"{name}: not stored, but the trail has {creates} create(s) and {deletes} delete(s)");
                }
                continue;
            }
            if (creates != 1 || deletes != 0)
            {
                findings.Partial.Add($"{name}: stored, but the trail has {creates} create(s) and {deletes} delete(s)");
            }
            if (entries.LastOrDefault(e => e.Action is "instance.create" or "instance.update") is { After: { } quotasAfter }
                && Quotas.OfAudit(JsonDocument.Parse(quotasAfter).RootElement) is var audited && audited != row.Quotas)
            {
                findings.Partial.Add($"{name}: stores {row.Quotas}, its last audited change says {audited}");
            }
            var upload = entries.LastOrDefault(e => e.Action == "hostinfo.upload");
            var (auditedMac, auditedHost) = upload?.After is { } uploadAfter
                ? (JsonDocument.Parse(uploadAfter).RootElement.GetProperty("mac").GetString(), JsonDocument.Parse(uploadAfter).RootElement.GetProperty("hostKeyFingerprint").GetString())
                : ("", "");
            if (auditedMac != row.Mac || !string.Equals(auditedHost, row.Fingerprint, StringComparison.OrdinalIgnoreCase))
            {
                findings.Partial.Add($"{name}: stores host {row.Mac} {row.Fingerprint}, its last audited upload says {auditedMac} {auditedHost}");
            }

            var ownDownloads = downloads.Where(d => d.InstanceId == row.Id).ToList();
            var ownLicenses = licenses.Where(l => l.InstanceId == row.Id).ToList();
            var licenseEntries = entries.Where(e => LicenseActions.Contains(e.Action)).Select(e => JsonDocument.Parse(e.After!).RootElement).ToList();
            var staffEntries = licenseEntries.Count(e => e.TryGetProperty("byStaff", out var s) && s.GetBoolean());
            if (ownDownloads.Count != licenseEntries.Count || ownDownloads.Count(d => d.ByStaff) != staffEntries)
            {
                findings.Partial.Add($"{name}: {ownDownloads.Count} download rows ({ownDownloads.Count(d => d.ByStaff)} by staff), {licenseEntries.Count} audited ({staffEntries} by staff)");
            }
            if (ownDownloads.Count(d => !d.ByStaff) != row.DownloadCount)
            {
                findings.Partial.Add($"{name}: download count {row.DownloadCount}, {ownDownloads.Count(d => !d.ByStaff)} customer download rows");
            }
            var revisions = ownLicenses.Select(l => l.Revision).Order().ToList();
            var issued = licenseEntries.Where(e => e.GetProperty("new").GetBoolean()).Select(e => e.GetProperty("revision").GetInt32()).Order().ToList();
            if (!revisions.SequenceEqual(issued))
            {
                findings.Partial.Add($"{name}: revisions [{string.Join(",", revisions)}], audited as issued [{string.Join(",", issued)}]");
            }
            if (!revisions.SequenceEqual(Enumerable.Range(1, revisions.Count)))
            {
                findings.Partial.Add($"{name}: revisions [{string.Join(",", revisions)}] are not 1..n");
            }
            foreach (var license in ownLicenses.Where(l => !ownDownloads.Any(d => d.LicenseId == l.Id)))
            {
                findings.Partial.Add($"{name}: revision {license.Revision} has no download");
            }
            foreach (var served in licenseEntries.Select(e => e.GetProperty("revision").GetInt32()).Where(r => !revisions.Contains(r)).Distinct())
            {
                findings.Partial.Add($"{name}: the trail records a download of revision {served}, which is not stored");
            }
        }
    }

    /// <summary>
    /// Every acknowledged write is stored with its values; a write cut off by the kill is stored or not, and the writers
    /// carry on from what is stored. Every stored revision verifies on its host.
    /// </summary>
    private static void CheckAcknowledged(IReadOnlyList<TrackedInstance> tracked, List<StoredInstance> instances, List<StoredLicense> licenses, List<StoredDownload> downloads, VendorRootPublicKey root, CrashFindings findings)
    {
        var rowByName = instances.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var t in tracked)
        {
            var pending = t.InFlight;
            t.InFlight = null;
            var settled = false;
            if (!rowByName.TryGetValue(t.Name, out var row))
            {
                if (t.Exists && pending is Unanswered.Delete)
                {
                    t.Exists = false;
                    settled = true;
                }
                else if (t.Exists)
                {
                    findings.Lost.Add($"{t.Name}: acknowledged, not stored");
                }
                Count(findings, pending, settled);
                continue;
            }
            if (!t.Exists)
            {
                if (pending is Unanswered.Create create)
                {
                    (t.Exists, t.Quotas, settled) = (true, create.Quotas, true);
                }
                else
                {
                    findings.Lost.Add($"{t.Name}: its delete was acknowledged, it is still stored");
                    continue;
                }
            }
            if (row.Quotas != t.Quotas)
            {
                if (pending is Unanswered.Update update && row.Quotas == update.Quotas)
                {
                    (t.Quotas, settled) = (update.Quotas, true);
                }
                else
                {
                    findings.Lost.Add($"{t.Name}: acknowledged {t.Quotas}, stored {row.Quotas}");
                }
            }
            if (row.Mac != (t.Mac ?? ""))
            {
                if (pending is Unanswered.Upload upload && row.Mac == upload.Mac)
                {
                    (t.Mac, settled) = (upload.Mac, true);
                }
                else
                {
                    findings.Lost.Add($"{t.Name}: acknowledged host MAC {t.Mac}, stored {row.Mac}");
                }
            }
            if (t.Mac is not null && !string.Equals(row.Fingerprint, t.HostKey.Fingerprint, StringComparison.OrdinalIgnoreCase))
            {
                findings.Lost.Add($"{t.Name}: host key {row.Fingerprint} stored, {t.HostKey.Fingerprint} acknowledged");
            }
            // A download cut off by the kill may have landed (one more row, counted or not); an acknowledged one must be there.
            var mayHaveLanded = pending is Unanswered.Download ? 1 : 0;
            var mayHaveCounted = pending is Unanswered.Download { Counted: true } ? 1 : 0;
            var storedDownloads = downloads.Count(d => d.InstanceId == row.Id);
            if (row.DownloadCount < t.CountedDownloads || row.DownloadCount > t.CountedDownloads + mayHaveCounted
                || storedDownloads < t.Downloads || storedDownloads > t.Downloads + mayHaveLanded)
            {
                findings.Lost.Add($"{t.Name}: {t.Downloads} downloads acknowledged ({t.CountedDownloads} counted), stored {storedDownloads} (count {row.DownloadCount})");
            }
            settled |= pending is Unanswered.Download && storedDownloads > t.Downloads;
            (t.CountedDownloads, t.Downloads) = (row.DownloadCount, storedDownloads);

            var ownLicenses = licenses.Where(l => l.InstanceId == row.Id).ToDictionary(l => l.Revision);
            foreach (var (revision, text) in t.Licenses)
            {
                if (!ownLicenses.TryGetValue(revision, out var stored))
                {
                    findings.Lost.Add($"{t.Name}: revision {revision} was downloaded, it is not stored");
                }
                else if (stored.FileText != text)
                {
                    findings.Lost.Add($"{t.Name}: revision {revision} is stored with another file than the one downloaded");
                }
                else if (downloads.Count(d => d.LicenseId == stored.Id) < t.DownloadsOfRevision[revision])
                {
                    findings.Lost.Add($"{t.Name}: revision {revision}: {t.DownloadsOfRevision[revision]} downloads acknowledged, {downloads.Count(d => d.LicenseId == stored.Id)} stored");
                }
            }
            foreach (var stored in ownLicenses.Values)
            {
                var verified = LicenseVerifier.Verify(stored.FileText, t.HostKey, root, new HostIdentity(row.Mac, t.Serial), DateTimeOffset.UtcNow);
                if (!verified.IsValid)
                {
                    findings.Partial.Add($"{t.Name}: stored revision {stored.Revision} does not verify: {verified.Code}");
                }
            }
            Count(findings, pending, settled);
        }
    }

    private static void Count(CrashFindings findings, Unanswered? pending, bool applied)
    {
        if (pending is null)
        {
            return;
        }
        if (applied)
        {
            findings.InFlightApplied++;
        }
        else
        {
            findings.InFlightNotApplied++;
        }
    }

    /// <summary>After the restart: the portal itself answers every instance as acknowledged (and the writers learn its version).</summary>
    public static async Task<List<string>> CheckThroughTheApiAsync(HttpClient admin, IReadOnlyList<TrackedInstance> tracked)
    {
        var lost = new List<string>();
        foreach (var t in tracked)
        {
            using var response = await admin.GetAsync(new Uri($"api/v1/instances/{t.Name}", UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            if (!t.Exists)
            {
                if (response.StatusCode != HttpStatusCode.NotFound)
                {
                    lost.Add($"{t.Name}: after the restart the API answers {(int)response.StatusCode} for a deleted instance");
                }
                continue;
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                lost.Add($"{t.Name}: after the restart the API answers {(int)response.StatusCode}: {body}");
                continue;
            }
            var instance = JsonDocument.Parse(body).RootElement;
            if (Quotas.Of(instance) != t.Quotas || instance.GetProperty("mac").GetString() != (t.Mac ?? "") || instance.GetProperty("downloadCount").GetInt32() != t.CountedDownloads)
            {
                lost.Add($"{t.Name}: after the restart the API shows {Quotas.Of(instance)} {instance.GetProperty("mac").GetString()} {instance.GetProperty("downloadCount").GetInt32()}, acknowledged {t.Quotas} {t.Mac} {t.CountedDownloads}");
            }
            t.Version = instance.GetProperty("version").GetGuid();
        }
        return lost;
    }

    private static async Task<List<T>> ReadAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    private static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    private static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);

    /// <summary>SQLite stores a DateOnly as text, PostgreSQL as a date.</summary>
    private static DateOnly Date(DbDataReader r, int i) => r.GetValue(i) switch
    {
        string text => DateOnly.Parse(text, CultureInfo.InvariantCulture),
        DateOnly date => date,
        DateTime time => DateOnly.FromDateTime(time),
        var other => throw new InvalidOperationException($"ExpiresOn read as {other.GetType()}"),
    };
}
