using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Commands;

/// <summary>
/// A first-generation database in the seed's model (Flask-SQLAlchemy's tables roles, users, instance), built by the
/// tests on SQLite or MariaDB, with Werkzeug hashes computed here as Werkzeug computes them, plain-text
/// origin_password values, Chinese organizations, 11-digit phone numbers, a duplicate e-mail, an expired instance and
/// one with host info. And the real <c>import-legacy</c> run as a process.
/// </summary>
public static class LegacyDatabase
{
    public const string AdminPassword = "Old-Admin-Pass1";
    public const string CustomerPassword = "Cust-Old-Pass1";

    /// <summary>The old system's plain-text passwords: none may reach the portal's database or the command's output.</summary>
    public static readonly string[] PlainPasswords = ["plain-admin-secret-2207", "plain-cust-secret-7431", "plain-nohash-secret-5519", "plain-dup-secret-8080"];

    public const string Organization = "北京云桌面科技有限公司";

    /// <summary>werkzeug.security.generate_password_hash(password, "pbkdf2:sha256:ITER"): "pbkdf2:sha256:ITER$salt$hex".</summary>
    public static string Pbkdf2Hash(string password, string salt, int iterations = 50_000) =>
        $"pbkdf2:sha256:{iterations}${salt}$" + Convert.ToHexStringLower(Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), iterations, HashAlgorithmName.SHA256, 32));

    /// <summary>Werkzeug's default since 3.0: "scrypt:32768:8:1$salt$hex", hashlib.scrypt with a 64-byte key.</summary>
    public static string ScryptHash(string password, string salt) =>
        $"scrypt:32768:8:1${salt}$" + Convert.ToHexStringLower(Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), 32768, 8, 1, 64));

    private static readonly Lazy<string> AdminHash = new(() => Pbkdf2Hash(AdminPassword, "k3Jd9sLq0aZx"));
    private static readonly Lazy<string> CustomerHash = new(() => ScryptHash(CustomerPassword, "Qm7rT2vW8yUe1iOp"));

    public static string CustomerScryptHash => CustomerHash.Value;

    public static string AdminPbkdf2Hash => AdminHash.Value;

    /// <summary>Creates the tables and rows on an open connection (SQLite or MariaDB: the DDL both take).</summary>
    public static async Task BuildAsync(DbConnection connection)
    {
        var mysql = connection is MySqlConnector.MySqlConnection;
        var auto = mysql ? "INTEGER PRIMARY KEY AUTO_INCREMENT" : "INTEGER PRIMARY KEY";
        var boolean = mysql ? "TINYINT(1)" : "BOOLEAN";
        // MariaDB's default collation ignores case, so its UNIQUE would not hold two e-mails differing in case; the old
        // system's database may well have had a case-sensitive one. password_hash is wider than the seed's 128: Werkzeug's
        // scrypt hashes (its default since 3.0) have 162 characters, so a system that used them had widened it.
        var caseSensitive = mysql ? " COLLATE utf8mb4_bin" : "";
        string[] ddl =
        [
            $"CREATE TABLE roles (id {auto}, name VARCHAR(64) UNIQUE, description TEXT, permissions INTEGER)",
            $"CREATE TABLE users (id {auto}, username VARCHAR(64) UNIQUE, email VARCHAR(64){caseSensitive} UNIQUE, phone VARCHAR(11), organization VARCHAR(64), "
                + $"os_auth_url VARCHAR(64), is_active {boolean}, role_id INTEGER, origin_password VARCHAR(128), password_hash VARCHAR(256), confirmed {boolean}, "
                + "created_at DATETIME, updated_at DATETIME)",
            $"CREATE TABLE instance (id {auto}, instancename VARCHAR(64) UNIQUE, user_id INTEGER, max_vm INTEGER, max_image INTEGER, max_user INTEGER, "
                + "max_vcpu INTEGER, max_vmem INTEGER, max_vdisk INTEGER, status VARCHAR(64), expired_time DATETIME, mac VARCHAR(256), serial_number VARCHAR(256), "
                + "check_code TEXT, public_key TEXT, download INTEGER, created_at DATETIME, updated_at DATETIME)",
        ];
        foreach (var statement in ddl)
        {
            await ExecuteAsync(connection, statement);
        }
        await ExecuteAsync(connection, "INSERT INTO roles (id, name, description, permissions) VALUES (1, 'Administrator', '管理员', 255), (2, 'User', '用户', 2), (3, 'Blocked', '', 0)");
        object?[][] users =
        [
            [1, "oldadmin", "oldadmin@example.com", "13800138000", Organization, "", 1, 1, PlainPasswords[0], AdminHash.Value, 1, "2020-05-01 08:00:00"],
            [2, "cust", "cust@example.com", "13912345678", "上海桌面云有限公司", "https://keystone.example.com:5000/v3", 1, 2, PlainPasswords[1], CustomerHash.Value, 1, "2021-03-04 09:30:00"],
            [3, "nohash", "nohash@example.com", "", "", "", 1, 2, PlainPasswords[2], "", 0, "2021-03-05 10:00:00"],
            [4, "dup1", "shared@example.com", "", "", "", 1, 2, PlainPasswords[3], Pbkdf2Hash("dup-pass", "salt0001"), 1, null],
            [5, "dup2", "Shared@example.com", "", "", "", 1, 2, "", Pbkdf2Hash("dup-pass", "salt0002"), 1, null],
            [6, "bad name", "bad@example.com", "", "", "", 1, 2, null, "", 1, null],
            [7, "blocked", "blocked@example.com", "", "", "", 0, 3, null, "", 1, null],
        ];
        foreach (var u in users)
        {
            await ExecuteAsync(connection, "INSERT INTO users (id, username, email, phone, organization, os_auth_url, is_active, role_id, origin_password, password_hash, confirmed, created_at, updated_at) "
                + "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p11)", u);
        }
        object?[][] instances =
        [
            // name, owner, the six quotas, status, expiry (old local time), mac, serial, download
            ["cust-01", 2, 20, 5, 30, 64, 256, 2048, "TODOWNLOAD", "2030-06-30 23:59:59", "aa:bb:cc:dd:ee:ff", "SN-0001", 7],
            ["cust-old", 2, 2, 1, 2, 4, 8, 100, "EXPIRED", "2021-01-01 00:00:00", "", "", 3],
            ["cust-02", 2, 1, 1, 1, 1, 1, 1, "TOUPLOAD", "2031-01-01 07:00:00", "", "", 0],
            ["dup-inst", 4, 1, 1, 1, 1, 1, 1, "TOUPLOAD", "2031-01-01 00:00:00", "", "", 0],
            ["big-quota", 2, 100001, 1, 1, 1, 1, 1, "TOUPLOAD", "2031-01-01 00:00:00", "", "", 0],
            ["admin-lab", 1, 3, 3, 3, 3, 3, 3, "TOUPLOAD", "2031-01-01 00:00:00", "", "", 0],
        ];
        foreach (var i in instances)
        {
            await ExecuteAsync(connection, "INSERT INTO instance (instancename, user_id, max_vm, max_image, max_user, max_vcpu, max_vmem, max_vdisk, status, expired_time, mac, serial_number, "
                + "check_code, public_key, download, created_at, updated_at) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, 'old-check-code', "
                + "'-----BEGIN PUBLIC KEY-----old-rsa', @p12, '2021-06-01 12:00:00', '2021-06-01 12:00:00')", i);
        }
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql, params object?[] values)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            parameter.Value = values[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs <c>dotnet LicensePortal.dll import-legacy ARGS</c> on the portal database <paramref name="portalDb"/>, as an
    /// operator would, in <paramref name="language"/>; returns its exit code and everything it printed.
    /// </summary>
    public static async Task<(int Exit, string Output)> ImportAsync(string portalDb, string keyDirectory, string language, params string[] args)
    {
        var portalDir = Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = portalDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LicensePortal.dll"));
        start.ArgumentList.Add("import-legacy");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_CONTENTROOT"] = portalDir;
        start.Environment["ConnectionStrings__LicensePortal"] = $"Data Source={portalDb}";
        start.Environment["Bootstrap__AdminUserName"] = PortalProcess.AdminUserName;
        start.Environment["Bootstrap__AdminPassword"] = PortalProcess.AdminPassword;
        start.Environment["Licensing__KeyDirectory"] = keyDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["LANG"] = language;
        start.Environment["LC_ALL"] = language;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
