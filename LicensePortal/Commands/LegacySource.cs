using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;

namespace LicensePortal.Commands;

/// <summary>A row of the old system's roles table.</summary>
public sealed record LegacyRole(long Id, string Name, int Permissions);

/// <summary>A row of the old system's users table, without origin_password (never read).</summary>
public sealed record LegacyUser(long Id, string UserName, string? Email, string? Phone, string? Organization, string? OsAuthUrl, bool IsActive,
    long? RoleId, string? PasswordHash, bool Confirmed, DateTime? CreatedAt, DateTime? UpdatedAt);

/// <summary>A row of the old system's instance table (check_code and public_key are the old RSA host keys: not read).</summary>
public sealed record LegacyInstance(long? Id, string Name, long? UserId, long MaxVm, long MaxImage, long MaxUser, long MaxVcpu, long MaxVmem, long MaxVdisk,
    string Status, DateTime? ExpiredTime, string Mac, string SerialNumber, long Download, DateTime? CreatedAt);

/// <summary>Everything read from the old database, and how many accounts had a plain-text origin_password.</summary>
public sealed record LegacyData(IReadOnlyList<LegacyRole> Roles, IReadOnlyList<LegacyUser> Users, IReadOnlyList<LegacyInstance> Instances, int PlainPasswords);

/// <summary>
/// Reads the first-generation system's database (SQLite or MySQL/MariaDB) by the seed's model. Only named columns are
/// selected: origin_password (the old system's plain-text passwords) is never selected, only counted. The mixins'
/// id and timestamp columns are read where the table has them.
/// </summary>
public static class LegacySource
{
    public static async Task<LegacyData> ReadAsync(string provider, string connectionString, CancellationToken cancellationToken = default)
    {
        await using DbConnection connection = provider switch
        {
            "sqlite" => new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString()),
            "mysql" => new MySqlConnection(connectionString),
            _ => throw new ArgumentException($"--provider must be sqlite or mysql, not '{provider}'."),
        };
        await connection.OpenAsync(cancellationToken);
        var instanceTable = await TableExistsAsync(connection, "instance", cancellationToken) ? "instance"
            : await TableExistsAsync(connection, "instances", cancellationToken) ? "instances"
            : throw new InvalidDataException("The old database has neither an 'instance' nor an 'instances' table.");

        var roles = new List<LegacyRole>();
        await foreach (var r in RowsAsync(connection, "SELECT id, name, permissions FROM roles", cancellationToken))
        {
            roles.Add(new LegacyRole(Long(r[0]) ?? 0, Text(r[1]) ?? "", (int)(Long(r[2]) ?? 0)));
        }

        var userColumns = await ColumnsAsync(connection, "users", cancellationToken);
        var users = new List<LegacyUser>();
        var userSql = "SELECT id, username, email, phone, organization, os_auth_url, is_active, role_id, password_hash, confirmed, "
            + Optional(userColumns, "created_at") + ", " + Optional(userColumns, "updated_at") + " FROM users";
        await foreach (var r in RowsAsync(connection, userSql, cancellationToken))
        {
            users.Add(new LegacyUser(Long(r[0]) ?? 0, Text(r[1]) ?? "", Text(r[2]), Text(r[3]), Text(r[4]), Text(r[5]), Bool(r[6], true), Long(r[7]), Text(r[8]),
                Bool(r[9], false), Time(r[10]), Time(r[11])));
        }

        var instanceColumns = await ColumnsAsync(connection, instanceTable, cancellationToken);
        var instances = new List<LegacyInstance>();
        var instanceSql = "SELECT " + Optional(instanceColumns, "id") + ", instancename, user_id, max_vm, max_image, max_user, max_vcpu, max_vmem, max_vdisk, "
            + "status, expired_time, mac, serial_number, download, " + Optional(instanceColumns, "created_at") + " FROM " + instanceTable;
        await foreach (var r in RowsAsync(connection, instanceSql, cancellationToken))
        {
            instances.Add(new LegacyInstance(Long(r[0]), Text(r[1]) ?? "", Long(r[2]), Long(r[3]) ?? 0, Long(r[4]) ?? 0, Long(r[5]) ?? 0, Long(r[6]) ?? 0,
                Long(r[7]) ?? 0, Long(r[8]) ?? 0, Text(r[9]) ?? "", Time(r[10]), Text(r[11]) ?? "", Text(r[12]) ?? "", Long(r[13]) ?? 0, Time(r[14])));
        }

        // Counted, never selected: the values must not pass through this process.
        var plain = 0;
        if (userColumns.Contains("origin_password"))
        {
            await using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM users WHERE origin_password IS NOT NULL AND origin_password <> ''";
            plain = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        return new LegacyData(roles, users, instances, plain);
    }

    private static string Optional(HashSet<string> columns, string name) => columns.Contains(name) ? name : "NULL";

    private static async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken) =>
        (await ColumnsAsync(connection, table, cancellationToken)).Count > 0;

    /// <summary>The table's column names (lower case); empty when there is no such table.</summary>
    private static async Task<HashSet<string>> ColumnsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@t";
        parameter.Value = table;
        command.Parameters.Add(parameter);
        command.CommandText = connection is SqliteConnection
            ? "SELECT name FROM pragma_table_info(@t)"
            : "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = @t";
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0).ToLowerInvariant());
        }
        return names;
    }

    private static async IAsyncEnumerable<object?[]> RowsAsync(DbConnection connection, string sql, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            yield return values;
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static long? Long(object? value) => value switch
    {
        null => null,
        string s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null,
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    private static bool Bool(object? value, bool missing) => value switch
    {
        null => missing,
        bool b => b,
        string s => s is "1" or "true" or "True",
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0,
    };

    /// <summary>A naive local time as the old system stored it: a DATETIME (MySQL) or SQLAlchemy's text (SQLite).</summary>
    private static DateTime? Time(object? value) => value switch
    {
        null => null,
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Unspecified),
        string s when s.Length == 0 => null,
        string s => DateTime.SpecifyKind(DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces), DateTimeKind.Unspecified),
        _ => null,
    };
}
