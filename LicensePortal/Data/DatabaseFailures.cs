using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LicensePortal.Data;

/// <summary>
/// The one rule for "the database is unavailable for now": what answers 503 with Retry-After (the API, the seed's URLs)
/// and shows the pages' retrying notice, instead of a 500; and the narrower "the connection itself was lost", after which
/// a kept connection is replaced and an operation that did not commit is tried once more.
/// </summary>
public static class DatabaseFailures
{
    /// <summary>Seconds a client is asked to wait (Retry-After) while the database is unavailable: a restart takes a few.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// True when the failure is the database being away or overloaded for a moment, not a fault of the request or the code:
    /// connection refused or lost, the server shutting down or starting up, Npgsql's own transient judgement, SQLite still
    /// busy or locked after its busy timeout; also when Entity Framework Core wraps one of these (a failed save, a retry
    /// limit exceeded, its "likely due to a transient failure" message).
    /// </summary>
    public static bool IsTransient(Exception exception) => Causes(exception).Any(e => e switch
    {
        PostgresException p => IsConnectionState(p.SqlState) || p.IsTransient,
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        SqliteException s => (s.SqliteErrorCode & 0xFF) is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        _ => false,
    });

    /// <summary>
    /// True when the connection the operation ran on is gone (the server restarted, was killed, or refused the connection):
    /// nothing on that connection committed unless the failure came while committing, and a new connection may well work.
    /// </summary>
    public static bool IsConnectionLost(Exception exception) => Causes(exception).Any(e => e switch
    {
        PostgresException p => IsConnectionState(p.SqlState),
        NpgsqlException n => n.InnerException is SocketException or IOException or TimeoutException or EndOfStreamException
            || n.IsTransient && n is not PostgresException,
        _ => false,
    });

    /// <summary>
    /// After a lost connection, the pool's other idle connections to that server are most likely dead too (a restart
    /// ends them all, and each is found dead only when used): drop them so the next open makes a new one. (Npgsql clears
    /// its pool itself on some failures, not on all.) SQLite has no server to lose.
    /// </summary>
    public static void ForgetPooledConnections() => NpgsqlConnection.ClearAllPools();

    // 08: connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting or stopping).
    private static bool IsConnectionState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState is "57P01" or "57P02" or "57P03";

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Causes))
                {
                    yield return inner;
                }
                yield break;
            }
            yield return e;
        }
    }
}
