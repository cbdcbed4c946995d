using Npgsql;

namespace LicensePortal.Commands;

/// <summary>
/// The pg_dump and pg_restore lines for the configured PostgreSQL database: host, port, database and user from the
/// connection string, never its password (libpq reads that from ~/.pgpass or PGPASSWORD).
/// </summary>
internal static class PostgresCommands
{
    public static string Dump(string connectionString, string file) =>
        $"pg_dump --format=custom {Connection(connectionString)} --file={Quote(file)}";

    public static string Restore(string connectionString, string file) =>
        $"pg_restore --no-owner --exit-on-error {Connection(connectionString)} {Quote(file)}";

    private static string Connection(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"--host={Quote(builder.Host ?? "localhost")} --port={builder.Port} --username={Quote(builder.Username ?? Environment.UserName)} --dbname={Quote(builder.Database ?? builder.Username ?? "postgres")}";
    }

    /// <summary>A value as one shell word: unchanged when it is plain, else in single quotes.</summary>
    internal static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or ':' or ',' or '@' or '+' or '=')
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
