using System.Globalization;
using System.Text;
using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>Filters for the audit trail. Every filter is optional; the listing is newest first.</summary>
public sealed record AuditQuery(int Page = 0, int PageSize = 50)
{
    /// <summary>
    /// Actions starting with this, e.g. "instance." or "license.download". One of <see cref="AuditSentences.Actions"/>
    /// (what the page's filter sends) is matched exactly, which is an index range in time order.
    /// </summary>
    public string? ActionPrefix { get; init; }

    public string? TargetType { get; init; }

    /// <summary>The target's name or id, exactly.</summary>
    public string? TargetKey { get; init; }

    public string? ActorUserName { get; init; }

    /// <summary>From this moment (UTC), inclusive.</summary>
    public DateTime? From { get; init; }

    /// <summary>Up to this moment (UTC), exclusive.</summary>
    public DateTime? To { get; init; }
}

/// <summary>One audit entry as listed.</summary>
public sealed record AuditRow(long Id, DateTime At, string ActorUserName, string RemoteAddress, string Action, string TargetType, string TargetKey, string? Before, string? After);

/// <summary>
/// Reads the audit trail (administrators and support staff) and exports it as CSV (administrators). Changes write their
/// entries through <see cref="AuditLog.Add"/> in their own SaveChanges. The trail is append-only: there is no update or
/// delete here, and the database's triggers refuse them from anywhere else.
/// </summary>
public sealed class AuditService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    public const int MaxPageSize = 200;

    /// <summary>
    /// The page's total is counted up to this many entries, as the instances grid does; beyond it the pager says "more
    /// than 10,000" (<see cref="Page{T}.TotalCapped"/>). An exact count of 10,000,000 entries takes seconds; counting
    /// 10,001 index entries a few milliseconds (docs/performance.md). The pager then reaches 10,000 entries back at most,
    /// so no page needs a deep offset; older entries are found with the date filter.
    /// </summary>
    public const int TotalCountCap = 10_000;

    /// <summary>For changes that are not in the database (vendor key files): records the entry on its own, right after.</summary>
    public async Task RecordAsync(PortalActor actor, string action, string targetType, string targetKey, object? before, object? after, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        AuditLog.Add(db, actor, time.GetUtcNow().UtcDateTime, action, targetType, targetKey, before, after);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<ServiceResult<Page<AuditRow>>> ListAsync(PortalActor actor, AuditQuery query, CancellationToken cancellationToken = default)
    {
        if (!actor.SeesEverything)
        {
            return ServiceResult<Page<AuditRow>>.Forbidden();
        }
        if (Unstorable(query) is { Count: > 0 } unstorable)
        {
            return ServiceResult<Page<AuditRow>>.Invalid(unstorable);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = Filter(db, query);
        var counted = await entries.Take(TotalCountCap + 1).CountAsync(cancellationToken);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var offset = Paging.Offset(query.Page, pageSize);
        // Past the pager's reach (the API allows it) the merge would hold every entry before the page: read it plainly.
        // PostgreSQL reads its (At) index backwards and filters (12 ms at 10,000,000); the merge costs it more round trips.
        var items = ActionFamily(query) is { } family && offset < TotalCountCap && db.Database.IsSqlite()
            ? await FamilyPageAsync(db, query, family, offset, pageSize, cancellationToken)
            : await Project(entries.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Skip(offset).Take(pageSize)).ToListAsync(cancellationToken);
        return ServiceResult<Page<AuditRow>>.Ok(new Page<AuditRow>(items, Math.Min(counted, TotalCountCap)) { TotalCapped = counted > TotalCountCap });
    }

    /// <summary>The prefix when it is a family of actions ("user.") rather than one action; null otherwise.</summary>
    private static string? ActionFamily(AuditQuery query) =>
        string.IsNullOrWhiteSpace(query.ActionPrefix) || IsWholeAction(query.ActionPrefix.Trim()) ? null : query.ActionPrefix.Trim();

    /// <summary>
    /// One page of a family of actions, newest first, without sorting the whole family: the actions under the prefix
    /// are found by skipping through the (Action, At) index (one seek per action), each gives its newest
    /// offset + size entries in index order, and the page is merged from those. Read as one range, SQLite sorts every
    /// match first: 340,000 entries and 150 ms for "user." in 10,000,000; merged, 12 ms (docs/performance.md, decision 0012).
    /// </summary>
    private static async Task<List<AuditRow>> FamilyPageAsync(AppDbContext db, AuditQuery query, string prefix, int offset, int size, CancellationToken cancellationToken)
    {
        var end = prefix + '\uffff';
        var actions = await db.Database.SqlQuery<string>($"""
            WITH RECURSIVE "Family"("Action") AS (
                SELECT MIN("Action") FROM "AuditEntries" WHERE "Action" >= {prefix} AND "Action" < {end}
                UNION ALL
                SELECT (SELECT MIN("Action") FROM "AuditEntries" WHERE "Action" > "Family"."Action" AND "Action" < {end})
                FROM "Family" WHERE "Family"."Action" IS NOT NULL)
            SELECT "Action" AS "Value" FROM "Family" WHERE "Action" IS NOT NULL
            """).ToListAsync(cancellationToken);
        var take = (int)Math.Min((long)offset + size, int.MaxValue);
        var keys = new List<(DateTime At, long Id)>();
        foreach (var action in actions)
        {
            var newest = await Filter(db, query with { ActionPrefix = action }, exact: true)
                .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(take)
                .Select(e => new { e.At, e.Id }).ToListAsync(cancellationToken);
            keys.AddRange(newest.Select(k => (k.At, k.Id)));
        }
        var ids = keys.OrderByDescending(k => k.At).ThenByDescending(k => k.Id).Skip(offset).Take(size).Select(k => k.Id).ToList();
        if (ids.Count == 0)
        {
            return [];
        }
        return await Project(db.AuditEntries.AsNoTracking().Where(e => ids.Contains(e.Id)).OrderByDescending(e => e.At).ThenByDescending(e => e.Id))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Writes every matching entry, newest first, as RFC 4180 CSV (UTF-8), streaming rows as they are read.</summary>
    public async Task<ServiceResult<int>> ExportCsvAsync(PortalActor actor, AuditQuery query, Stream output, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<int>.Forbidden();
        }
        if (Unstorable(query) is { Count: > 0 } unstorable)
        {
            return ServiceResult<int>.Invalid(unstorable);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteLineAsync("at,actor,address,action,target_type,target,before,after".AsMemory(), cancellationToken);
            var count = 0;
            // Streamed, not buffered by EF Core (see ConnectionLossRetry.StreamsRows); only a connection lost before the
            // first row is retried: rows already sent cannot be taken back, so then the response ends unfinished.
            await db.Database.CreateStreamingExecutionStrategy().ExecuteAsync(async ct =>
            {
                if (count > 0)
                {
                    throw new InvalidOperationException($"The audit export lost its database connection after {count} rows.");
                }
                var rows = Project(Filter(db, query).OrderByDescending(e => e.At).ThenByDescending(e => e.Id)).AsAsyncEnumerable();
                await foreach (var row in rows.WithCancellation(ct))
                {
                    var line = string.Join(',',
                        Cell(row.At.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                        Cell(row.ActorUserName), Cell(row.RemoteAddress), Cell(row.Action), Cell(row.TargetType), Cell(row.TargetKey),
                        Cell(row.Before ?? ""), Cell(row.After ?? ""));
                    await writer.WriteLineAsync(line.AsMemory(), ct);
                    if (++count % 500 == 0)
                    {
                        await writer.FlushAsync(ct);
                    }
                }
            }, cancellationToken);
            await writer.FlushAsync(cancellationToken);
            return ServiceResult<int>.Ok(count);
        }
    }

    /// <summary>
    /// One CSV field: quoted when it holds a comma, quote or line break (quotes doubled), and prefixed with a single quote
    /// when it starts with = + - @ (or tab / carriage return) so a spreadsheet does not run it as a formula.
    /// </summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static List<FieldError> Unstorable(AuditQuery query) => StorableText.Check(
        (nameof(AuditQuery.ActionPrefix), query.ActionPrefix), (nameof(AuditQuery.TargetType), query.TargetType),
        (nameof(AuditQuery.TargetKey), query.TargetKey), (nameof(AuditQuery.ActorUserName), query.ActorUserName));

    /// <param name="exact">The action filter is one action found in the trail, matched with "=" whatever the catalogue says.</param>
    private static IQueryable<AuditEntry> Filter(AppDbContext db, AuditQuery query, bool exact = false)
    {
        var entries = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.ActionPrefix))
        {
            var from = exact ? query.ActionPrefix : query.ActionPrefix.Trim();
            if (exact || IsWholeAction(from))
            {
                // Equality, not a range: the (Action, At) index then yields the entries newest first, with no sort.
                entries = entries.Where(e => e.Action == from);
            }
            else
            {
                var to = from + '\uffff';
#pragma warning disable CA1309 // EF Core translates string.Compare to SQL comparison operators; ordinal overloads do not translate.
                entries = entries.Where(e => string.Compare(e.Action, from) >= 0 && string.Compare(e.Action, to) < 0);
#pragma warning restore CA1309
            }
        }
        if (!string.IsNullOrWhiteSpace(query.TargetType))
        {
            var type = query.TargetType.Trim();
            entries = entries.Where(e => e.TargetType == type);
        }
        if (!string.IsNullOrWhiteSpace(query.TargetKey))
        {
            var key = query.TargetKey.Trim();
            entries = entries.Where(e => e.TargetKey == key);
        }
        if (!string.IsNullOrWhiteSpace(query.ActorUserName))
        {
            var name = query.ActorUserName.Trim();
            entries = entries.Where(e => e.ActorUserName == name);
        }
        if (query.From is { } fromAt)
        {
            var utc = DateTime.SpecifyKind(fromAt, DateTimeKind.Utc);
            entries = entries.Where(e => e.At >= utc);
        }
        if (query.To is { } toAt)
        {
            var utc = DateTime.SpecifyKind(toAt, DateTimeKind.Utc);
            entries = entries.Where(e => e.At < utc);
        }
        return entries;
    }

    /// <summary>
    /// A code the portal writes that no other code extends ("license.download", not "license."): for it the prefix
    /// matches exactly the entries equal to it.
    /// </summary>
    private static bool IsWholeAction(string prefix) =>
        AuditSentences.Actions.Contains(prefix, StringComparer.Ordinal)
        && !AuditSentences.Actions.Any(a => a.Length > prefix.Length && a.StartsWith(prefix, StringComparison.Ordinal));

    private static IQueryable<AuditRow> Project(IQueryable<AuditEntry> entries) =>
        entries.Select(e => new AuditRow(e.Id, e.At, e.ActorUserName, e.RemoteAddress, e.Action, e.TargetType, e.TargetKey, e.Before, e.After));
}
