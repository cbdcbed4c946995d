using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace LicensePortal.Data;

/// <summary>What <see cref="DemoSeeder"/> should insert.</summary>
/// <param name="Users">Accounts to create (role User, no password: they cannot sign in).</param>
/// <param name="Instances">Instances to create, spread over the accounts created by this run.</param>
/// <param name="Append">Seed even if the database already has instances.</param>
/// <param name="RandomSeed">Makes the generated data repeatable.</param>
public sealed record DemoSeedOptions(int Users, int Instances, bool Append = false, int RandomSeed = 42)
{
    /// <summary>Parses <c>seed-demo [--users N] [--instances N] [--append]</c> (args[0] is the command itself).</summary>
    public static DemoSeedOptions Parse(IReadOnlyList<string> args)
    {
        var users = 1000;
        var instances = 10000;
        var append = false;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--users" when i + 1 < args.Count:
                    users = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--instances" when i + 1 < args.Count:
                    instances = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--append":
                    append = true;
                    break;
                default:
                    // Anything else (for example --Database:Provider=Postgres) is configuration, read by the host builder.
                    break;
            }
        }
        if (users < 0 || instances < 0 || (instances > 0 && users == 0))
        {
            throw new ArgumentException("seed-demo needs --users N (N >= 1 when --instances > 0) and --instances N (N >= 0).");
        }
        return new DemoSeedOptions(users, instances, append);
    }
}

/// <summary>How a seed went.</summary>
public sealed record DemoSeedResult(bool Seeded, int Users, int Instances, TimeSpan Elapsed);

/// <summary>
/// Fills a database with demo accounts and instances, fast: raw parameterized SQL in large transactions on SQLite
/// (one prepared INSERT reused), binary COPY on PostgreSQL. Accounts are real Identity rows (normalized names,
/// security and concurrency stamps, role User) without a password hash, so none of them can sign in.
/// </summary>
public sealed class DemoSeeder(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    private const int SqliteBatch = 50_000;

    /// <summary>Share of each status, in the order of <see cref="InstanceStatus"/>: mostly TODOWNLOAD.</summary>
    private static readonly (InstanceStatus Status, int Percent)[] StatusMix =
    [
        (InstanceStatus.TOUPLOAD, 10),
        (InstanceStatus.INFOERROR, 5),
        (InstanceStatus.TODOWNLOAD, 70),
        (InstanceStatus.DOWNLOADERROR, 5),
        (InstanceStatus.EXPIRED, 10),
    ];

    /// <summary>True when the database holds at least one instance.</summary>
    public async Task<bool> HasInstancesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Instances.AnyAsync(cancellationToken);
    }

    public async Task<DemoSeedResult> SeedAsync(DemoSeedOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var stopwatch = Stopwatch.StartNew();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!options.Append && await db.Instances.AnyAsync(cancellationToken))
        {
            await output.WriteLineAsync("seed-demo: the database already has instances; refusing to seed. Pass --append to add more.");
            return new DemoSeedResult(false, 0, 0, stopwatch.Elapsed);
        }
        var userRoleId = await db.Roles.Where(r => r.Name == PortalRole.User).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("Role User is missing: run first-run setup (migrations and roles) before seeding.");
        // Numbers continue after the existing accounts, so an --append run never reuses a name.
        var firstNumber = await db.Users.CountAsync(cancellationToken) + 1;

        var data = new Generator(options, firstNumber, time.GetUtcNow().UtcDateTime);
        await output.WriteLineAsync($"seed-demo: {options.Users:N0} users and {options.Instances:N0} instances into {db.Database.ProviderName}...");

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            switch (connection)
            {
                case SqliteConnection sqlite:
                    await SeedSqliteAsync(sqlite, data, userRoleId, output, stopwatch, cancellationToken);
                    break;
                case NpgsqlConnection npgsql:
                    await SeedPostgresAsync(npgsql, data, userRoleId, output, stopwatch, cancellationToken);
                    break;
                default:
                    throw new NotSupportedException($"seed-demo does not know {connection.GetType().Name}.");
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        await output.WriteLineAsync($"seed-demo: done in {stopwatch.Elapsed.TotalSeconds:F1} s. The {options.Users:N0} demo accounts have no password and cannot sign in.");
        return new DemoSeedResult(true, options.Users, options.Instances, stopwatch.Elapsed);
    }

    private static async Task SeedSqliteAsync(SqliteConnection connection, Generator data, string userRoleId, TextWriter output, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        // For the seed only: no fsync per commit and a large page cache for the index inserts. Both end with the connection.
        await ExecuteAsync(connection, "PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;", cancellationToken);
        try
        {
            using (var users = connection.CreateCommand())
            using (var roles = connection.CreateCommand())
            {
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
                    u[8].Value = SqliteDateTime(user.CreatedAt);
                    users.ExecuteNonQuery();
                    r[0].Value = user.Id;
                    roles.ExecuteNonQuery();
                }, "users", data.Options.Users, output, stopwatch, cancellationToken);
            }

            using (var instances = connection.CreateCommand())
            {
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
                    p[12].Value = SqliteDateTime(i.CreatedAt);
                    p[13].Value = SqliteDateTime(i.UpdatedAt);
                    p[14].Value = i.Version.ToString().ToUpperInvariant();
                    instances.ExecuteNonQuery();
                }, "instances", data.Options.Instances, output, stopwatch, cancellationToken);
            }

            await output.WriteLineAsync($"seed-demo: ANALYZE ({stopwatch.Elapsed.TotalSeconds:F1} s)");
            await ExecuteAsync(connection, "ANALYZE;", cancellationToken);
        }
        finally
        {
            await ExecuteAsync(connection, "PRAGMA synchronous=FULL;", CancellationToken.None);
        }
    }

    private static async Task RunBatchesAsync<T>(SqliteConnection connection, IEnumerable<T> rows, SqliteCommand[] commands, Action<T> insert,
        string what, int total, TextWriter output, Stopwatch stopwatch, CancellationToken cancellationToken)
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
                if (++done % SqliteBatch == 0)
                {
                    transaction.Commit();
                    transaction.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                    await output.WriteLineAsync($"seed-demo: {done:N0}/{total:N0} {what} ({stopwatch.Elapsed.TotalSeconds:F1} s)");
                    transaction = connection.BeginTransaction();
                    foreach (var command in commands)
                    {
                        command.Transaction = transaction;
                    }
                }
            }
            transaction.Commit();
            if (done % SqliteBatch != 0)
            {
                await output.WriteLineAsync($"seed-demo: {done:N0}/{total:N0} {what} ({stopwatch.Elapsed.TotalSeconds:F1} s)");
            }
        }
        finally
        {
            transaction.Dispose();
        }
    }

    private static async Task SeedPostgresAsync(NpgsqlConnection connection, Generator data, string userRoleId, TextWriter output, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        await using (var users = await connection.BeginBinaryImportAsync("""
            COPY "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "SecurityStamp",
                "ConcurrencyStamp", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "Organization",
                "OsAuthUrl", "IsActive", "MustChangePassword", "CreatedAt", "UpdatedAt") FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
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
        await using (var roles = await connection.BeginBinaryImportAsync("""COPY "AspNetUserRoles" ("UserId", "RoleId") FROM STDIN (FORMAT BINARY)""", cancellationToken))
        {
            foreach (var user in data.Users)
            {
                await roles.StartRowAsync(cancellationToken);
                await roles.WriteAsync(user.Id, NpgsqlDbType.Text, cancellationToken);
                await roles.WriteAsync(userRoleId, NpgsqlDbType.Text, cancellationToken);
            }
            await roles.CompleteAsync(cancellationToken);
        }
        await output.WriteLineAsync($"seed-demo: {data.Options.Users:N0} users ({stopwatch.Elapsed.TotalSeconds:F1} s)");

        await using (var instances = await connection.BeginBinaryImportAsync("""
            COPY "Instances" ("Name", "NormalizedName", "OwnerId", "MaxDesktops", "MaxImages", "MaxUsers", "MaxVcpus", "MaxVmemGib",
                "MaxVdiskGib", "Status", "StatusReason", "ExpiresOn", "Mac", "SerialNumber", "CheckCode", "PublicKey", "DownloadCount",
                "CreatedAt", "UpdatedAt", "Version") FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
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
                if (++done % 100_000 == 0)
                {
                    await output.WriteLineAsync($"seed-demo: {done:N0}/{data.Options.Instances:N0} instances sent ({stopwatch.Elapsed.TotalSeconds:F1} s)");
                }
            }
            await instances.CompleteAsync(cancellationToken);
        }
        await output.WriteLineAsync($"seed-demo: {data.Options.Instances:N0} instances committed ({stopwatch.Elapsed.TotalSeconds:F1} s)");

        // VACUUM as well as ANALYZE: it sets the visibility map, without which counts cannot be index-only scans.
        await output.WriteLineAsync($"seed-demo: VACUUM ANALYZE ({stopwatch.Elapsed.TotalSeconds:F1} s)");
        await ExecuteAsync(connection, """VACUUM (ANALYZE) "AspNetUsers", "AspNetUserRoles", "Instances";""", cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SqliteParameter[] AddParameters(SqliteCommand command, params string[] names) =>
        names.Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();

    private static string SqliteDateTime(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private sealed record DemoUser(string Id, string UserName, string Email, string Organization, string SecurityStamp, string ConcurrencyStamp, DateTime CreatedAt);

    private sealed record DemoInstance(
        string Name, string OwnerId, int MaxDesktops, int MaxImages, int MaxUsers, int MaxVcpus, int MaxVmemGib, int MaxVdiskGib,
        InstanceStatus Status, DateOnly ExpiresOn, int DownloadCount, DateTime CreatedAt, DateTime UpdatedAt, Guid Version);

    /// <summary>
    /// Repeatable demo data. Users are cust{n}; instance names are cust{n}-site{k}, the k-th instance of owner n, so names are
    /// unique and a prefix like "cust42" matches the sites of cust42, cust420..cust429, cust4200.. as a real search would.
    /// </summary>
    private sealed class Generator
    {
        private readonly string[] _userIds;
        private readonly int _firstNumber;
        private readonly DateTime _now;

        public Generator(DemoSeedOptions options, int firstNumber, DateTime now)
        {
            Options = options;
            _firstNumber = firstNumber;
            _now = DateTime.SpecifyKind(now, DateTimeKind.Utc);
            // Ids fixed up front: both user tables and the instances refer to them. Fresh GUIDs, as Identity makes them,
            // so an --append run never collides with an earlier one.
            _userIds = new string[options.Users];
            for (var i = 0; i < _userIds.Length; i++)
            {
                _userIds[i] = Guid.NewGuid().ToString();
            }
        }

        public DemoSeedOptions Options { get; }

        public IEnumerable<DemoUser> Users
        {
            get
            {
                var random = new Random(Options.RandomSeed + 1);
                for (var i = 0; i < _userIds.Length; i++)
                {
                    var number = _firstNumber + i;
                    var name = $"cust{number}";
                    yield return new DemoUser(
                        _userIds[i],
                        name,
                        $"{name}@example.com",
                        $"Org{number % 5000:D4}",
                        // Stamps stay truly random: Identity's tokens are derived from them.
                        Guid.NewGuid().ToString("N").ToUpperInvariant(),
                        Guid.NewGuid().ToString(),
                        _now.AddDays(-random.Next(0, 1500)).AddSeconds(-random.Next(0, 86400)));
                }
            }
        }

        public IEnumerable<DemoInstance> Instances
        {
            get
            {
                var random = new Random(Options.RandomSeed + 2);
                var sites = new int[_userIds.Length];
                var today = DateOnly.FromDateTime(_now);
                for (var n = 0; n < Options.Instances; n++)
                {
                    var owner = random.Next(_userIds.Length);
                    var site = ++sites[owner];
                    var status = PickStatus(random.Next(100));
                    // Expired ones ended in the last two years; the others end within the next two.
                    var expires = status == InstanceStatus.EXPIRED ? today.AddDays(-random.Next(1, 731)) : today.AddDays(random.Next(0, 731));
                    var created = _now.AddDays(-random.Next(1, 1500)).AddSeconds(-random.Next(0, 86400));
                    var updated = created.AddDays(random.Next(0, 365));
                    if (updated > _now)
                    {
                        updated = _now;
                    }
                    yield return new DemoInstance(
                        $"cust{_firstNumber + owner}-site{site}",
                        _userIds[owner],
                        MaxDesktops: 5 * random.Next(1, 41),
                        MaxImages: random.Next(1, 51),
                        MaxUsers: 10 * random.Next(1, 51),
                        MaxVcpus: 8 * random.Next(1, 129),
                        MaxVmemGib: 64 * random.Next(1, 65),
                        MaxVdiskGib: 512 * random.Next(1, 65),
                        status,
                        expires,
                        status is InstanceStatus.TODOWNLOAD or InstanceStatus.EXPIRED ? random.Next(0, 20) : 0,
                        created,
                        updated,
                        Guid.NewGuid());
                }
            }
        }

        private static InstanceStatus PickStatus(int percent)
        {
            foreach (var (status, share) in StatusMix)
            {
                if (percent < share)
                {
                    return status;
                }
                percent -= share;
            }
            return InstanceStatus.TODOWNLOAD;
        }
    }
}
