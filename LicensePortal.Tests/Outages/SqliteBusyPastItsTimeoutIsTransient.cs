using LicensePortal.Data;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Tests.Outages;

/// <summary>
/// On SQLite the database is "unavailable" when another writer holds it past the busy timeout: that failure, raised by a
/// real SQLite file locked by a second connection, is what <see cref="DatabaseFailures.IsTransient"/> calls transient (so
/// it answers 503 with Retry-After); a broken statement on the same file is not.
/// </summary>
public sealed class SqliteBusyPastItsTimeoutIsTransient
{
    [Fact]
    public async Task A_write_that_waited_out_the_busy_timeout_is_transient_and_a_broken_statement_is_not()
    {
        var folder = Directory.CreateTempSubdirectory("lp-busy-");
        var file = Path.Combine(folder.FullName, "busy.db");
        try
        {
            await using var holder = new SqliteConnection($"Data Source={file};Pooling=false");
            await holder.OpenAsync();
            await Execute(holder, "CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);");

            await using var writer = new SqliteConnection($"Data Source={file};Pooling=false;Default Timeout=1");
            await writer.OpenAsync();
            var busy = await Assert.ThrowsAsync<SqliteException>(() => Execute(writer, "INSERT INTO t VALUES (2);"));
            var broken = await Assert.ThrowsAsync<SqliteException>(() => Execute(writer, "SELECT * FROM no_such_table;"));

            Assert.True(DatabaseFailures.IsTransient(busy), $"busy: {busy.SqliteErrorCode} {busy.Message}");
            Assert.True(DatabaseFailures.IsTransient(new Microsoft.EntityFrameworkCore.DbUpdateException("save failed", busy)));
            Assert.False(DatabaseFailures.IsTransient(broken));
            Assert.False(DatabaseFailures.IsConnectionLost(busy)); // nothing to reconnect to: the file is there, only locked
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
