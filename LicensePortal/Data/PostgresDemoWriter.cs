using Npgsql;
using NpgsqlTypes;

namespace LicensePortal.Data;

/// <summary><see cref="DemoSeeder"/>'s writer for PostgreSQL: one binary COPY per table, the columns in the order each COPY names them.</summary>
internal static class PostgresDemoWriter
{
    private const int ReportEvery = 100_000;

    public static async Task WriteAsync(NpgsqlConnection connection, DemoData data, string userRoleId, DemoProgress progress, CancellationToken cancellationToken)
    {
        await WriteUsersAsync(connection, data, cancellationToken);
        await WriteRolesAsync(connection, data, userRoleId, cancellationToken);
        await progress.ReportAsync($"{data.Options.Users:N0} users");
        await WriteInstancesAsync(connection, data, progress, cancellationToken);
        await progress.ReportAsync($"{data.Options.Instances:N0} instances committed");
        await WriteAuditEntriesAsync(connection, data, progress, cancellationToken);

        // VACUUM as well as ANALYZE: it sets the visibility map, without which counts cannot be index-only scans.
        await progress.ReportAsync("VACUUM ANALYZE");
        await DemoSeeder.ExecuteAsync(connection, """VACUUM (ANALYZE) "AspNetUsers", "AspNetUserRoles", "Instances", "AuditEntries";""", cancellationToken);
    }

    private static async Task WriteUsersAsync(NpgsqlConnection connection, DemoData data, CancellationToken cancellationToken)
    {
        await using var users = await connection.BeginBinaryImportAsync("""
            COPY "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "SecurityStamp",
                "ConcurrencyStamp", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "Organization",
                "OsAuthUrl", "IsActive", "MustChangePassword", "CreatedAt", "UpdatedAt") FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        foreach (var user in data.Users)
        {
            await users.StartRowAsync(cancellationToken);
            await users.WriteAsync(user.Id, NpgsqlDbType.Text, cancellationToken);
            await users.WriteAsync(user.UserName, NpgsqlDbType.Varchar, cancellationToken);
            await users.WriteAsync(user.UserName.ToUpperInvariant(), NpgsqlDbType.Varchar, cancellationToken);
            await users.WriteAsync(user.Email, NpgsqlDbType.Varchar, cancellationToken);
            await users.WriteAsync(user.Email.ToUpperInvariant(), NpgsqlDbType.Varchar, cancellationToken);
            await users.WriteAsync(true, NpgsqlDbType.Boolean, cancellationToken);
            await users.WriteAsync(user.SecurityStamp, NpgsqlDbType.Text, cancellationToken);
            await users.WriteAsync(user.ConcurrencyStamp, NpgsqlDbType.Text, cancellationToken);
            await users.WriteAsync(false, NpgsqlDbType.Boolean, cancellationToken);
            await users.WriteAsync(false, NpgsqlDbType.Boolean, cancellationToken);
            await users.WriteAsync(true, NpgsqlDbType.Boolean, cancellationToken);
            await users.WriteAsync(0, NpgsqlDbType.Integer, cancellationToken);
            await users.WriteAsync(user.Organization, NpgsqlDbType.Varchar, cancellationToken);
            await users.WriteAsync("", NpgsqlDbType.Varchar, cancellationToken);
            await users.WriteAsync(true, NpgsqlDbType.Boolean, cancellationToken);
            await users.WriteAsync(false, NpgsqlDbType.Boolean, cancellationToken);
            await users.WriteAsync(user.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await users.WriteAsync(user.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
        }
        await users.CompleteAsync(cancellationToken);
    }

    private static async Task WriteRolesAsync(NpgsqlConnection connection, DemoData data, string userRoleId, CancellationToken cancellationToken)
    {
        await using var roles = await connection.BeginBinaryImportAsync("""COPY "AspNetUserRoles" ("UserId", "RoleId") FROM STDIN (FORMAT BINARY)""", cancellationToken);
        foreach (var user in data.Users)
        {
            await roles.StartRowAsync(cancellationToken);
            await roles.WriteAsync(user.Id, NpgsqlDbType.Text, cancellationToken);
            await roles.WriteAsync(userRoleId, NpgsqlDbType.Text, cancellationToken);
        }
        await roles.CompleteAsync(cancellationToken);
    }

    /// <summary>COPY inserts rows, so the append-only triggers (UPDATE, DELETE, TRUNCATE; docs/decisions/0004) never fire.</summary>
    private static async Task WriteAuditEntriesAsync(NpgsqlConnection connection, DemoData data, DemoProgress progress, CancellationToken cancellationToken)
    {
        if (data.Options.AuditEntries == 0)
        {
            return;
        }
        await using var entries = await connection.BeginBinaryImportAsync("""
            COPY "AuditEntries" ("At", "ActorUserId", "ActorUserName", "RemoteAddress", "Action", "TargetType", "TargetKey", "Before", "After")
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        var done = 0;
        foreach (var e in data.AuditEntries)
        {
            await entries.StartRowAsync(cancellationToken);
            await entries.WriteAsync(e.At, NpgsqlDbType.TimestampTz, cancellationToken);
            await entries.WriteAsync(e.ActorUserId, NpgsqlDbType.Varchar, cancellationToken);
            await entries.WriteAsync(e.ActorUserName, NpgsqlDbType.Varchar, cancellationToken);
            await entries.WriteAsync(e.RemoteAddress, NpgsqlDbType.Varchar, cancellationToken);
            await entries.WriteAsync(e.Action, NpgsqlDbType.Varchar, cancellationToken);
            await entries.WriteAsync(e.TargetType, NpgsqlDbType.Varchar, cancellationToken);
            await entries.WriteAsync(e.TargetKey, NpgsqlDbType.Varchar, cancellationToken);
            await WriteNullableAsync(entries, e.Before, cancellationToken);
            await WriteNullableAsync(entries, e.After, cancellationToken);
            if (++done % ReportEvery == 0)
            {
                await progress.ReportAsync($"{done:N0}/{data.Options.AuditEntries:N0} audit entries sent");
            }
        }
        await entries.CompleteAsync(cancellationToken);
        await progress.ReportAsync($"{data.Options.AuditEntries:N0} audit entries committed");
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await importer.WriteNullAsync(cancellationToken);
        }
        else
        {
            await importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
        }
    }

    private static async Task WriteInstancesAsync(NpgsqlConnection connection, DemoData data, DemoProgress progress, CancellationToken cancellationToken)
    {
        await using var instances = await connection.BeginBinaryImportAsync("""
            COPY "Instances" ("Name", "NormalizedName", "OwnerId", "MaxDesktops", "MaxImages", "MaxUsers", "MaxVcpus", "MaxVmemGib",
                "MaxVdiskGib", "Status", "StatusReason", "ExpiresOn", "Mac", "SerialNumber", "CheckCode", "PublicKey", "DownloadCount",
                "CreatedAt", "UpdatedAt", "Version") FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        var done = 0;
        foreach (var i in data.Instances)
        {
            await instances.StartRowAsync(cancellationToken);
            await instances.WriteAsync(i.Name, NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync(i.Name.ToUpperInvariant(), NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync(i.OwnerId, NpgsqlDbType.Text, cancellationToken);
            await instances.WriteAsync(i.MaxDesktops, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.MaxImages, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.MaxUsers, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.MaxVcpus, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.MaxVmemGib, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.MaxVdiskGib, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.Status.ToString(), NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync("", NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync(i.ExpiresOn, NpgsqlDbType.Date, cancellationToken);
            await instances.WriteAsync("", NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync("", NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync("", NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync("", NpgsqlDbType.Varchar, cancellationToken);
            await instances.WriteAsync(i.DownloadCount, NpgsqlDbType.Integer, cancellationToken);
            await instances.WriteAsync(i.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await instances.WriteAsync(i.UpdatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await instances.WriteAsync(i.Version, NpgsqlDbType.Uuid, cancellationToken);
            if (++done % ReportEvery == 0)
            {
                await progress.ReportAsync($"{done:N0}/{data.Options.Instances:N0} instances sent");
            }
        }
        await instances.CompleteAsync(cancellationToken);
    }
}
