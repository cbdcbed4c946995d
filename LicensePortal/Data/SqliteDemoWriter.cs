using System.Globalization;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Data;

/// <summary>
/// <see cref="DemoSeeder"/>'s writer for SQLite: one prepared INSERT per table, reused for every row, in transactions of
/// <see cref="Batch"/> rows. The values are written in EF Core's SQLite formats, so the portal reads them as its own.
/// </summary>
internal static class SqliteDemoWriter
{
    private const int Batch = 50_000;

    public static async Task WriteAsync(SqliteConnection connection, DemoData data, string userRoleId, DemoProgress progress, CancellationToken cancellationToken)
    {
        // For the seed only: no fsync per commit and a large page cache for the index inserts. Both end with the connection.
        await DemoSeeder.ExecuteAsync(connection, "PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;", cancellationToken);
        try
        {
            await WriteUsersAsync(connection, data, userRoleId, progress, cancellationToken);
            await WriteInstancesAsync(connection, data, progress, cancellationToken);
            await WriteAuditEntriesAsync(connection, data, progress, cancellationToken);
            await progress.ReportAsync("ANALYZE");
            await DemoSeeder.ExecuteAsync(connection, "ANALYZE;", cancellationToken);
        }
        finally
        {
            await DemoSeeder.ExecuteAsync(connection, "PRAGMA synchronous=FULL;", CancellationToken.None);
        }
    }

    /// <summary>The accounts and their role, in the same transactions.</summary>
    private static async Task WriteUsersAsync(SqliteConnection connection, DemoData data, string userRoleId, DemoProgress progress, CancellationToken cancellationToken)
    {
        using var users = connection.CreateCommand();
        using var roles = connection.CreateCommand();
        users.CommandText = """
            INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed",
                "PasswordHash", "SecurityStamp", "ConcurrencyStamp", "PhoneNumber", "PhoneNumberConfirmed", "TwoFactorEnabled",
                "LockoutEnd", "LockoutEnabled", "AccessFailedCount", "Organization", "OsAuthUrl", "IsActive", "MustChangePassword",
                "CreatedAt", "UpdatedAt")
            VALUES ($id, $name, $nname, $email, $nemail, 1, NULL, $stamp, $cstamp, NULL, 0, 0, NULL, 1, 0, $org, '', 1, 0, $created, $created)
            """;
        var u = AddParameters(users, "$id", "$name", "$nname", "$email", "$nemail", "$stamp", "$cstamp", "$org", "$created");
        roles.CommandText = """INSERT INTO "AspNetUserRoles" ("UserId", "RoleId") VALUES ($user, $role)""";
        var r = AddParameters(roles, "$user", "$role");
        r[1].Value = userRoleId;
        await RunBatchesAsync(connection, data.Users, [users, roles], user =>
        {
            u[0].Value = user.Id;
            u[1].Value = user.UserName;
            u[2].Value = user.UserName.ToUpperInvariant();
            u[3].Value = user.Email;
            u[4].Value = user.Email.ToUpperInvariant();
            u[5].Value = user.SecurityStamp;
            u[6].Value = user.ConcurrencyStamp;
            u[7].Value = user.Organization;
            u[8].Value = DateTimeText(user.CreatedAt);
            users.ExecuteNonQuery();
            r[0].Value = user.Id;
            roles.ExecuteNonQuery();
        }, "users", data.Options.Users, progress, cancellationToken);
    }

    private static async Task WriteInstancesAsync(SqliteConnection connection, DemoData data, DemoProgress progress, CancellationToken cancellationToken)
    {
        using var instances = connection.CreateCommand();
        instances.CommandText = """
            INSERT INTO "Instances" ("Name", "NormalizedName", "OwnerId", "MaxDesktops", "MaxImages", "MaxUsers", "MaxVcpus",
                "MaxVmemGib", "MaxVdiskGib", "Status", "StatusReason", "ExpiresOn", "Mac", "SerialNumber", "CheckCode", "PublicKey",
                "DownloadCount", "CreatedAt", "UpdatedAt", "Version")
            VALUES ($name, $nname, $owner, $vm, $img, $usr, $cpu, $mem, $disk, $status, '', $expires, '', '', '', '', $downloads, $created, $updated, $version)
            """;
        var p = AddParameters(instances, "$name", "$nname", "$owner", "$vm", "$img", "$usr", "$cpu", "$mem", "$disk", "$status", "$expires", "$downloads", "$created", "$updated", "$version");
        await RunBatchesAsync(connection, data.Instances, [instances], i =>
        {
            p[0].Value = i.Name;
            p[1].Value = i.Name.ToUpperInvariant();
            p[2].Value = i.OwnerId;
            p[3].Value = i.MaxDesktops;
            p[4].Value = i.MaxImages;
            p[5].Value = i.MaxUsers;
            p[6].Value = i.MaxVcpus;
            p[7].Value = i.MaxVmemGib;
            p[8].Value = i.MaxVdiskGib;
            p[9].Value = i.Status.ToString();
            // EF Core's SQLite formats: dates as yyyy-MM-dd, times as yyyy-MM-dd HH:mm:ss.FFFFFFF, GUIDs as upper-case text.
            p[10].Value = i.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            p[11].Value = i.DownloadCount;
            p[12].Value = DateTimeText(i.CreatedAt);
            p[13].Value = DateTimeText(i.UpdatedAt);
            p[14].Value = i.Version.ToString().ToUpperInvariant();
            instances.ExecuteNonQuery();
        }, "instances", data.Options.Instances, progress, cancellationToken);
    }

    /// <summary>Plain INSERTs: the append-only triggers fire only on UPDATE and DELETE (docs/decisions/0004).</summary>
    private static async Task WriteAuditEntriesAsync(SqliteConnection connection, DemoData data, DemoProgress progress, CancellationToken cancellationToken)
    {
        if (data.Options.AuditEntries == 0)
        {
            return;
        }
        using var entries = connection.CreateCommand();
        entries.CommandText = """
            INSERT INTO "AuditEntries" ("At", "ActorUserId", "ActorUserName", "RemoteAddress", "Action", "TargetType", "TargetKey", "Before", "After")
            VALUES ($at, $actorid, $actor, $address, $action, $type, $key, $before, $after)
            """;
        var p = AddParameters(entries, "$at", "$actorid", "$actor", "$address", "$action", "$type", "$key", "$before", "$after");
        await RunBatchesAsync(connection, data.AuditEntries, [entries], e =>
        {
            p[0].Value = DateTimeText(e.At);
            p[1].Value = e.ActorUserId;
            p[2].Value = e.ActorUserName;
            p[3].Value = e.RemoteAddress;
            p[4].Value = e.Action;
            p[5].Value = e.TargetType;
            p[6].Value = e.TargetKey;
            p[7].Value = (object?)e.Before ?? DBNull.Value;
            p[8].Value = (object?)e.After ?? DBNull.Value;
            entries.ExecuteNonQuery();
        }, "audit entries", data.Options.AuditEntries, progress, cancellationToken);
    }

    /// <summary>Runs <paramref name="insert"/> for every row, committing every <see cref="Batch"/> rows and reporting each commit.</summary>
    private static async Task RunBatchesAsync<T>(SqliteConnection connection, IEnumerable<T> rows, SqliteCommand[] commands, Action<T> insert,
        string what, int total, DemoProgress progress, CancellationToken cancellationToken)
    {
        var done = 0;
        var transaction = connection.BeginTransaction();
        try
        {
            foreach (var command in commands)
            {
                command.Transaction = transaction;
                command.Prepare();
            }
            foreach (var row in rows)
            {
                insert(row);
                if (++done % Batch == 0)
                {
                    transaction.Commit();
                    transaction.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                    await progress.ReportAsync($"{done:N0}/{total:N0} {what}");
                    transaction = connection.BeginTransaction();
                    foreach (var command in commands)
                    {
                        command.Transaction = transaction;
                    }
                }
            }
            transaction.Commit();
            if (done % Batch != 0)
            {
                await progress.ReportAsync($"{done:N0}/{total:N0} {what}");
            }
        }
        finally
        {
            transaction.Dispose();
        }
    }

    private static SqliteParameter[] AddParameters(SqliteCommand command, params string[] names) =>
        names.Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();

    private static string DateTimeText(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
}
