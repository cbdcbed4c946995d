using System.Collections.Concurrent;
using System.Data.Common;
using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace LicensePortal.Services;

/// <summary>
/// The download path's SQL, each statement prepared once on a connection kept open and run again with new values.
/// Entity Framework Core creates a new command for every query, and SQLite then parses and plans the statement again:
/// on the portal's hottest path that cost more than running it (docs/performance.md, issue 3). Values are still bound
/// with the model's own type mappings, so a Guid, a DateTime or the status is stored exactly as Entity Framework Core
/// stores it, on SQLite and on PostgreSQL.
/// </summary>
public sealed class DownloadStatements(IDbContextFactory<AppDbContext> dbFactory) : IDownloadStore, IDisposable
{
    /// <summary>Open read connections kept for reuse; more may be open at a burst's peak, and are closed after it.</summary>
    private static readonly int MaxIdleReaders = Math.Max(4, Environment.ProcessorCount * 2);

    private readonly ConcurrentBag<ReadSession> _readers = [];
    private bool _disposed;

    public async Task<DownloadState?> ReadAsync(string normalizedName, DateTime windowStart, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            ReadSession? session = null;
            DownloadState? state;
            try
            {
                session = _readers.TryTake(out var idle) ? idle : await ReadSession.OpenAsync(dbFactory, cancellationToken);
                state = await session.ReadAsync(normalizedName, windowStart, cancellationToken);
            }
            catch (Exception ex) when (attempt == 0 && DatabaseFailures.IsConnectionLost(ex))
            {
                // The server went away under this connection (a restart): the other kept ones went with it, and so did
                // the pool's. A read is safe to repeat: once more on a new connection.
                session?.Dispose();
                ForgetIdleReaders();
                DatabaseFailures.ForgetPooledConnections();
                continue;
            }
            catch
            {
                session?.Dispose(); // a broken or cancelled connection is not reused
                throw;
            }
            if (_disposed || _readers.Count >= MaxIdleReaders)
            {
                session.Dispose();
            }
            else
            {
                _readers.Add(session);
            }
            return state;
        }
    }

    /// <summary>Opens the writer's session: its own connection, with the four write statements. One writer uses it at a time.</summary>
    public async Task<IDownloadWriteSession> OpenWriterAsync() => await WriteSession.OpenAsync(dbFactory);

    public void Dispose()
    {
        _disposed = true;
        ForgetIdleReaders();
    }

    private void ForgetIdleReaders()
    {
        while (_readers.TryTake(out var session))
        {
            session.Dispose();
        }
    }

    /// <summary>Binds one value as the model binds the given property (its column type and value conversion).</summary>
    private static void Bind(DbCommand command, int index, IProperty property, object? value)
    {
        var parameter = property.GetRelationalTypeMapping().CreateParameter(command, "@p" + index, value, property.IsNullable);
        if (index < command.Parameters.Count)
        {
            command.Parameters[index] = parameter;
        }
        else
        {
            command.Parameters.Add(parameter);
        }
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>A read connection with the download query.</summary>
    private sealed class ReadSession : IDisposable
    {
        // The latest revision as scalar subqueries: an index seek each (a joined row would rank every license).
        private const string Sql = """
            SELECT i."Id", i."Name", i."NormalizedName", i."OwnerId", i."MaxDesktops", i."MaxImages", i."MaxUsers", i."MaxVcpus",
                   i."MaxVmemGib", i."MaxVdiskGib", i."Status", i."StatusReason", i."ExpiresOn", i."Mac", i."SerialNumber",
                   i."CheckCode", i."PublicKey", i."StatusChangedAt", i."HostInfoUploadedAt", i."HostKeyFingerprint",
                   i."DownloadCount", i."CreatedAt", i."UpdatedAt", i."Version", i."HostIdentifiers", i."HostIdentifierTolerance",
                   (SELECT COUNT(*) FROM "LicenseDownloads" d WHERE d."InstanceId" = i."Id" AND d."At" > @p1 AND d."At" >= i."StatusChangedAt" AND d."ByStaff" = @p2),
                   (SELECT l."Id" FROM "Licenses" l WHERE l."InstanceId" = i."Id" ORDER BY l."Revision" DESC LIMIT 1),
                   (SELECT l."Revision" FROM "Licenses" l WHERE l."InstanceId" = i."Id" ORDER BY l."Revision" DESC LIMIT 1),
                   (SELECT l."ContentKey" FROM "Licenses" l WHERE l."InstanceId" = i."Id" ORDER BY l."Revision" DESC LIMIT 1)
            FROM "Instances" i
            WHERE i."NormalizedName" = @p0
            """;

        private readonly AppDbContext _db;
        private readonly DbCommand _read;
        private readonly IProperty _name;
        private readonly IProperty _at;
        private readonly IProperty _byStaff;

        private ReadSession(AppDbContext db, DbCommand read)
        {
            (_db, _read) = (db, read);
            _name = db.Model.FindEntityType(typeof(Instance))!.FindProperty(nameof(Instance.NormalizedName))!;
            _at = db.Model.FindEntityType(typeof(LicenseDownload))!.FindProperty(nameof(LicenseDownload.At))!;
            _byStaff = db.Model.FindEntityType(typeof(LicenseDownload))!.FindProperty(nameof(LicenseDownload.ByStaff))!;
        }

        public static async Task<ReadSession> OpenAsync(IDbContextFactory<AppDbContext> dbFactory, CancellationToken cancellationToken)
        {
            // The context is kept with its connection: opening through it runs the portal's connection setup (pragmas).
            var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            try
            {
                await db.Database.OpenConnectionAsync(cancellationToken);
                return new ReadSession(db, Command(db.Database.GetDbConnection(), Sql));
            }
            catch
            {
                await db.DisposeAsync();
                throw;
            }
        }

        public async Task<DownloadState?> ReadAsync(string normalizedName, DateTime windowStart, CancellationToken cancellationToken)
        {
            Bind(_read, 0, _name, normalizedName);
            Bind(_read, 1, _at, windowStart);
            Bind(_read, 2, _byStaff, false); // vendor staff's downloads do not count toward the limit
            await using var reader = await _read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            var instance = new Instance
            {
                Id = reader.GetInt32(0),
                Name = reader.GetString(1),
                NormalizedName = reader.GetString(2),
                OwnerId = reader.GetString(3),
                MaxDesktops = reader.GetInt32(4),
                MaxImages = reader.GetInt32(5),
                MaxUsers = reader.GetInt32(6),
                MaxVcpus = reader.GetInt32(7),
                MaxVmemGib = reader.GetInt32(8),
                MaxVdiskGib = reader.GetInt32(9),
                Status = Enum.Parse<InstanceStatus>(reader.GetString(10)),
                StatusReason = reader.GetString(11),
                ExpiresOn = reader.GetFieldValue<DateOnly>(12),
                Mac = reader.GetString(13),
                SerialNumber = reader.GetString(14),
                CheckCode = reader.GetString(15),
                PublicKey = reader.GetString(16),
                StatusChangedAt = reader.GetDateTime(17),
                HostInfoUploadedAt = reader.IsDBNull(18) ? null : reader.GetDateTime(18),
                HostKeyFingerprint = reader.GetString(19),
                DownloadCount = reader.GetInt32(20),
                CreatedAt = reader.GetDateTime(21),
                UpdatedAt = reader.GetDateTime(22),
                Version = reader.GetGuid(23),
                HostIdentifiers = reader.GetString(24),
                HostIdentifierTolerance = reader.GetInt32(25),
            };
            return new DownloadState(
                instance,
                RecentDownloads: Convert.ToInt32(reader.GetValue(26), System.Globalization.CultureInfo.InvariantCulture),
                LatestId: reader.IsDBNull(27) ? null : reader.GetInt64(27),
                LatestRevision: reader.IsDBNull(28) ? 0 : reader.GetInt32(28),
                LatestContentKey: reader.IsDBNull(29) ? null : reader.GetString(29));
        }

        public void Dispose()
        {
            _read.Dispose();
            _db.Dispose();
        }
    }

    /// <summary>The writer's connection and statements: the conditional instance update and the three inserts.</summary>
    private sealed class WriteSession : IDownloadWriteSession
    {
        private readonly AppDbContext _db;
        private readonly DbCommand _updateInstance;
        private readonly DbCommand _insertLicense;
        private readonly DbCommand _insertDownload;
        private readonly DbCommand _insertAudit;
        private readonly DbCommand _insertWebhookEvent;
        private readonly IEntityType _instance;
        private readonly IEntityType _license;
        private readonly IEntityType _download;
        private readonly IEntityType _audit;
        private readonly IEntityType _webhookEvent;

        private WriteSession(AppDbContext db)
        {
            _db = db;
            var connection = db.Database.GetDbConnection();
            _instance = db.Model.FindEntityType(typeof(Instance))!;
            _license = db.Model.FindEntityType(typeof(LicenseRecord))!;
            _download = db.Model.FindEntityType(typeof(LicenseDownload))!;
            _audit = db.Model.FindEntityType(typeof(AuditEntry))!;
            _webhookEvent = db.Model.FindEntityType(typeof(WebhookEvent))!;
            _updateInstance = Command(connection, """
                UPDATE "Instances" SET "Status" = @p0, "StatusReason" = @p1, "StatusChangedAt" = @p2, "DownloadCount" = "DownloadCount" + @p3, "Version" = @p4
                WHERE "Id" = @p5 AND "Version" = @p6
                """);
            _insertLicense = Command(connection, """
                INSERT INTO "Licenses" ("InstanceId", "Revision", "IssuedAt", "VendorKeyId", "HostKeyFingerprint", "ContentKey", "FileText", "IssuedByUserName", "IssuedByStaff")
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)
                """);
            // The revision is named by its unique (instance, revision) rather than its id, which a new one gets only now.
            _insertDownload = Command(connection, """
                INSERT INTO "LicenseDownloads" ("LicenseRecordId", "InstanceId", "UserName", "At", "RemoteAddress", "ByStaff")
                VALUES ((SELECT "Id" FROM "Licenses" WHERE "InstanceId" = @p0 AND "Revision" = @p1), @p0, @p2, @p3, @p4, @p5)
                """);
            _insertAudit = Command(connection, """
                INSERT INTO "AuditEntries" ("At", "ActorUserId", "ActorUserName", "RemoteAddress", "Action", "TargetType", "TargetKey", "Before", "After")
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)
                """);
            _insertWebhookEvent = Command(connection, """
                INSERT INTO "WebhookEvents" ("EventId", "Type", "Body", "OccurredAt") VALUES (@p0, @p1, @p2, @p3)
                """);
        }

        public static async Task<WriteSession> OpenAsync(IDbContextFactory<AppDbContext> dbFactory)
        {
            var db = await dbFactory.CreateDbContextAsync();
            try
            {
                await db.Database.OpenConnectionAsync();
                return new WriteSession(db);
            }
            catch
            {
                await db.DisposeAsync();
                throw;
            }
        }

        public async Task<IDbContextTransaction> BeginAsync()
        {
            var transaction = await _db.Database.BeginTransactionAsync();
            var dbTransaction = transaction.GetDbTransaction();
            foreach (var command in (DbCommand[])[_updateInstance, _insertLicense, _insertDownload, _insertAudit, _insertWebhookEvent])
            {
                command.Transaction = dbTransaction;
            }
            return transaction;
        }

        public async Task<bool> UpdateInstanceAsync(DownloadWrite w)
        {
            var c = _updateInstance;
            Bind(c, 0, Property(_instance, nameof(Instance.Status)), w.Status);
            Bind(c, 1, Property(_instance, nameof(Instance.StatusReason)), w.StatusReason);
            Bind(c, 2, Property(_instance, nameof(Instance.StatusChangedAt)), w.StatusChangedAt);
            Bind(c, 3, Property(_instance, nameof(Instance.DownloadCount)), w.CountedDownloads);
            Bind(c, 4, Property(_instance, nameof(Instance.Version)), w.NewVersion);
            Bind(c, 5, Property(_instance, nameof(Instance.Id)), w.InstanceId);
            Bind(c, 6, Property(_instance, nameof(Instance.Version)), w.ReadVersion);
            return await c.ExecuteNonQueryAsync() == 1;
        }

        public async Task InsertLicenseAsync(LicenseRecord l)
        {
            var c = _insertLicense;
            Bind(c, 0, Property(_license, nameof(LicenseRecord.InstanceId)), l.InstanceId);
            Bind(c, 1, Property(_license, nameof(LicenseRecord.Revision)), l.Revision);
            Bind(c, 2, Property(_license, nameof(LicenseRecord.IssuedAt)), l.IssuedAt);
            Bind(c, 3, Property(_license, nameof(LicenseRecord.VendorKeyId)), l.VendorKeyId);
            Bind(c, 4, Property(_license, nameof(LicenseRecord.HostKeyFingerprint)), l.HostKeyFingerprint);
            Bind(c, 5, Property(_license, nameof(LicenseRecord.ContentKey)), l.ContentKey);
            Bind(c, 6, Property(_license, nameof(LicenseRecord.FileText)), l.FileText);
            Bind(c, 7, Property(_license, nameof(LicenseRecord.IssuedByUserName)), l.IssuedByUserName);
            Bind(c, 8, Property(_license, nameof(LicenseRecord.IssuedByStaff)), l.IssuedByStaff);
            await c.ExecuteNonQueryAsync();
        }

        public async Task InsertDownloadAsync(LicenseDownload d, int revision)
        {
            var c = _insertDownload;
            Bind(c, 0, Property(_download, nameof(LicenseDownload.InstanceId)), d.InstanceId);
            Bind(c, 1, Property(_license, nameof(LicenseRecord.Revision)), revision);
            Bind(c, 2, Property(_download, nameof(LicenseDownload.UserName)), d.UserName);
            Bind(c, 3, Property(_download, nameof(LicenseDownload.At)), d.At);
            Bind(c, 4, Property(_download, nameof(LicenseDownload.RemoteAddress)), d.RemoteAddress);
            Bind(c, 5, Property(_download, nameof(LicenseDownload.ByStaff)), d.ByStaff);
            await c.ExecuteNonQueryAsync();
        }

        public async Task InsertAuditAsync(AuditEntry a)
        {
            var c = _insertAudit;
            Bind(c, 0, Property(_audit, nameof(AuditEntry.At)), a.At);
            Bind(c, 1, Property(_audit, nameof(AuditEntry.ActorUserId)), a.ActorUserId);
            Bind(c, 2, Property(_audit, nameof(AuditEntry.ActorUserName)), a.ActorUserName);
            Bind(c, 3, Property(_audit, nameof(AuditEntry.RemoteAddress)), a.RemoteAddress);
            Bind(c, 4, Property(_audit, nameof(AuditEntry.Action)), a.Action);
            Bind(c, 5, Property(_audit, nameof(AuditEntry.TargetType)), a.TargetType);
            Bind(c, 6, Property(_audit, nameof(AuditEntry.TargetKey)), a.TargetKey);
            Bind(c, 7, Property(_audit, nameof(AuditEntry.Before)), a.Before);
            Bind(c, 8, Property(_audit, nameof(AuditEntry.After)), a.After);
            await c.ExecuteNonQueryAsync();
        }

        public async Task InsertWebhookEventAsync(WebhookEvent e)
        {
            var c = _insertWebhookEvent;
            Bind(c, 0, Property(_webhookEvent, nameof(WebhookEvent.EventId)), e.EventId);
            Bind(c, 1, Property(_webhookEvent, nameof(WebhookEvent.Type)), e.Type);
            Bind(c, 2, Property(_webhookEvent, nameof(WebhookEvent.Body)), e.Body);
            Bind(c, 3, Property(_webhookEvent, nameof(WebhookEvent.OccurredAt)), e.OccurredAt);
            await c.ExecuteNonQueryAsync();
        }

        /// <summary>Every statement has run when its method returned.</summary>
        public Task FlushAsync() => Task.CompletedTask;

        private static IProperty Property(IEntityType entity, string name) => entity.FindProperty(name)!;

        public void Dispose()
        {
            foreach (var command in (DbCommand[])[_updateInstance, _insertLicense, _insertDownload, _insertAudit, _insertWebhookEvent])
            {
                command.Dispose();
            }
            _db.Dispose();
        }
    }
}
