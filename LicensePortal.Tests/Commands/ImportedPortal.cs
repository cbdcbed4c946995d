using System.Text;
using LicensePortal.Accounts;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Tests.Commands;

/// <summary>Reads a portal's SQLite database after an import, and the checks every import test makes on it.</summary>
public static class ImportedPortal
{
    /// <summary>Every row of the tables an import writes, as text: equal snapshots mean nothing changed.</summary>
    public static async Task<string> SnapshotAsync(string portalDb)
    {
        var text = new StringBuilder();
        await using var connection = new SqliteConnection($"Data Source={portalDb};Pooling=False");
        await connection.OpenAsync();
        foreach (var table in new[] { "AspNetUsers", "AspNetUserRoles", "Instances", "AuditEntries" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.Append(table).Append(':');
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "NULL" : reader.GetValue(i)).Append('|');
                }
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    public static async Task<string?> ScalarAsync(string portalDb, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={portalDb};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync()) switch { null or DBNull => null, var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) };
    }

    /// <summary>The database's files (with its WAL) as bytes decoded as UTF-8, to look for text anywhere in them.</summary>
    public static string FileText(string portalDb) => string.Concat(new[] { portalDb, portalDb + "-wal" }.Where(File.Exists)
        .Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))));

    /// <summary>
    /// What the seed's old database (<see cref="LegacyDatabase"/>) becomes, imported with Asia/Shanghai as the old
    /// system's time zone.
    /// </summary>
    public static async Task AssertFirstImportAsync(string portalDb, string output, string passwordsFile)
    {
        Assert.Contains("Accounts: 3 imported, 0 updated, 0 unchanged, 4 skipped.", output);
        Assert.Contains("Instances: 4 imported, 0 updated, 0 unchanged, 2 skipped.", output);
        // Conflicts are listed with their reason, and skipped whole (the account and everything that hangs on it).
        Assert.Contains("Skipped account dup1: e-mail shared@example.com is used by more than one old account.", output);
        Assert.Contains("Skipped account dup2: e-mail Shared@example.com is used by more than one old account.", output);
        Assert.Contains("Skipped account bad name: User name:", output);
        Assert.Contains("Skipped account blocked: its role grants neither ADMINISTER nor USER.", output);
        Assert.Contains("Skipped instance dup-inst: its owner dup1 was skipped.", output);
        Assert.Contains("Skipped instance big-quota: Max concurrent desktops: Enter a whole number from 0 to 100000.", output);
        Assert.Null(await ScalarAsync(portalDb, "SELECT Id FROM AspNetUsers WHERE NormalizedUserName IN ('DUP1', 'DUP2', 'BAD NAME', 'BLOCKED')"));
        Assert.Null(await ScalarAsync(portalDb, "SELECT Id FROM Instances WHERE NormalizedName IN ('DUP-INST', 'BIG-QUOTA')"));

        // Accounts: role, profile (E.164 phone, Chinese organization), flags, creation time converted from Shanghai time.
        Assert.Equal("Administrator", await ScalarAsync(portalDb,
            "SELECT r.Name FROM AspNetUsers u JOIN AspNetUserRoles ur ON ur.UserId = u.Id JOIN AspNetRoles r ON r.Id = ur.RoleId WHERE u.UserName = 'oldadmin'"));
        Assert.Equal("User", await ScalarAsync(portalDb,
            "SELECT r.Name FROM AspNetUsers u JOIN AspNetUserRoles ur ON ur.UserId = u.Id JOIN AspNetRoles r ON r.Id = ur.RoleId WHERE u.UserName = 'cust'"));
        Assert.Equal("+8613800138000", await ScalarAsync(portalDb, "SELECT PhoneNumber FROM AspNetUsers WHERE UserName = 'oldadmin'"));
        Assert.Equal(LegacyDatabase.Organization, await ScalarAsync(portalDb, "SELECT Organization FROM AspNetUsers WHERE UserName = 'oldadmin'"));
        Assert.Equal("https://keystone.example.com:5000/v3|1|1", await ScalarAsync(portalDb, "SELECT OsAuthUrl || '|' || IsActive || '|' || EmailConfirmed FROM AspNetUsers WHERE UserName = 'cust'"));
        Assert.Equal("0", await ScalarAsync(portalDb, "SELECT EmailConfirmed FROM AspNetUsers WHERE UserName = 'nohash'"));
        Assert.StartsWith("2021-03-04 01:30:00", await ScalarAsync(portalDb, "SELECT CreatedAt FROM AspNetUsers WHERE UserName = 'cust'"));

        // Werkzeug hashes verbatim (PBKDF2 and scrypt); no usable hash: a generated password that must be changed, in a 0600 file.
        Assert.Equal(LegacyDatabase.AdminPbkdf2Hash, await ScalarAsync(portalDb, "SELECT PasswordHash FROM AspNetUsers WHERE UserName = 'oldadmin'"));
        Assert.Equal(LegacyDatabase.CustomerScryptHash, await ScalarAsync(portalDb, "SELECT PasswordHash FROM AspNetUsers WHERE UserName = 'cust'"));
        Assert.True(WerkzeugPasswordHash.Verify(LegacyDatabase.CustomerScryptHash, LegacyDatabase.CustomerPassword));
        Assert.Equal("1", await ScalarAsync(portalDb, "SELECT MustChangePassword FROM AspNetUsers WHERE UserName = 'nohash'"));
        Assert.Equal("0", await ScalarAsync(portalDb, "SELECT MustChangePassword FROM AspNetUsers WHERE UserName = 'cust'"));
        Assert.Contains("1 accounts had no usable password hash and get a generated password that must be changed at the first sign-in: nohash.", output);
        var generated = await File.ReadAllTextAsync(passwordsFile);
        Assert.Matches("^nohash\t\\S{20}\n$", generated);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordsFile));
        }
        var nohashHash = await ScalarAsync(portalDb, "SELECT PasswordHash FROM AspNetUsers WHERE UserName = 'nohash'");
        Assert.False(string.IsNullOrEmpty(nohashHash));
        Assert.False(WerkzeugPasswordHash.IsLegacy(nohashHash));

        // Instances: owner, quotas, expiry (Shanghai time to a UTC date), last known host, old downloads, state and reason.
        Assert.Equal("cust|20|5|30|64|256|2048|2030-06-30|aa:bb:cc:dd:ee:ff|SN-0001|7|0|TOUPLOAD|Import.UploadHostInfo||", await ScalarAsync(portalDb,
            "SELECT u.UserName || '|' || MaxDesktops || '|' || MaxImages || '|' || MaxUsers || '|' || MaxVcpus || '|' || MaxVmemGib || '|' || MaxVdiskGib || '|' || ExpiresOn || '|' || "
            + "Mac || '|' || SerialNumber || '|' || ImportedDownloadCount || '|' || DownloadCount || '|' || Status || '|' || StatusReason || '|' || PublicKey || '|' || CheckCode "
            + "FROM Instances i JOIN AspNetUsers u ON u.Id = i.OwnerId WHERE i.Name = 'cust-01'"));
        Assert.Equal("EXPIRED||3", await ScalarAsync(portalDb, "SELECT Status || '|' || StatusReason || '|' || ImportedDownloadCount FROM Instances WHERE Name = 'cust-old'"));
        Assert.Equal("TOUPLOAD||2030-12-31", await ScalarAsync(portalDb, "SELECT Status || '|' || StatusReason || '|' || ExpiresOn FROM Instances WHERE Name = 'cust-02'"));
        Assert.StartsWith("2021-06-01 04:00:00", await ScalarAsync(portalDb, "SELECT CreatedAt FROM Instances WHERE Name = 'cust-02'"));

        // Every imported row has its audit entry by (system), naming the import.
        Assert.Equal("3", await ScalarAsync(portalDb, "SELECT COUNT(*) FROM AuditEntries WHERE Action = 'user.import' AND ActorUserName = '(system)' AND \"After\" LIKE '%\"import\":\"import-legacy\"%'"));
        Assert.Equal("4", await ScalarAsync(portalDb, "SELECT COUNT(*) FROM AuditEntries WHERE Action = 'instance.import' AND ActorUserName = '(system)' AND \"After\" LIKE '%\"import\":\"import-legacy\"%'"));

        // The old plain-text passwords were counted, never read: nowhere in the database or the output.
        Assert.Contains("4 old accounts had a plain-text password in origin_password; none was read.", output);
        AssertNoPlainPassword(FileText(portalDb) + output + generated);
    }

    public static void AssertNoPlainPassword(string text)
    {
        foreach (var plain in LegacyDatabase.PlainPasswords)
        {
            Assert.DoesNotContain(plain, text, StringComparison.Ordinal);
        }
    }
}
