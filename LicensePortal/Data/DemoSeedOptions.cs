using System.Globalization;

namespace LicensePortal.Data;

/// <summary>What <see cref="DemoSeeder"/> should insert.</summary>
/// <param name="Users">Accounts to create (role User, no password: they cannot sign in).</param>
/// <param name="Instances">Instances to create, spread over the accounts created by this run.</param>
/// <param name="Append">Seed even if the database already has instances.</param>
/// <param name="RandomSeed">Makes the generated data repeatable.</param>
public sealed record DemoSeedOptions(int Users, int Instances, bool Append = false, int RandomSeed = 42)
{
    /// <summary>Audit entries to append, dated over the last year, oldest first (<see cref="DemoData.AuditEntries"/>).</summary>
    public int AuditEntries { get; init; }

    /// <summary>Parses <c>seed-demo [--users N] [--instances N] [--audit-entries N] [--append]</c> (args[0] is the command itself).</summary>
    public static DemoSeedOptions Parse(IReadOnlyList<string> args)
    {
        var users = 1000;
        var instances = 10000;
        var auditEntries = 0;
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
                case "--audit-entries" when i + 1 < args.Count:
                    auditEntries = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--append":
                    append = true;
                    break;
                default:
                    // Anything else (for example --Database:Provider=Postgres) is configuration, read by the host builder.
                    break;
            }
        }
        if (users < 0 || instances < 0 || auditEntries < 0 || (instances > 0 && users == 0))
        {
            throw new ArgumentException("seed-demo needs --users N (N >= 1 when --instances > 0), --instances N (N >= 0) and --audit-entries N (N >= 0).");
        }
        return new DemoSeedOptions(users, instances, append) { AuditEntries = auditEntries };
    }
}

/// <summary>How a seed went.</summary>
public sealed record DemoSeedResult(bool Seeded, int Users, int Instances, TimeSpan Elapsed)
{
    public int AuditEntries { get; init; }
}
