using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LicensePortal.Data;

/// <summary>
/// Per-connection SQLite settings. The file is in WAL mode (set once at start); with WAL, synchronous=NORMAL keeps the
/// database consistent on a crash and only risks the last commits on a power loss, while sparing an fsync per commit
/// (SQLite's own recommendation for WAL). foreign_keys is on so ON DELETE CASCADE holds for raw SQL too.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
