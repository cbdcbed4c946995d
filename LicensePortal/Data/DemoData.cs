namespace LicensePortal.Data;

/// <summary>
/// Repeatable demo data. Users are cust{n}; instance names are cust{n}-site{k}, the k-th instance of owner n, so names are
/// unique and a prefix like "cust42" matches the sites of cust42, cust420..cust429, cust4200.. as a real search would.
/// </summary>
internal sealed class DemoData
{
    /// <summary>Share of each status, in the order of <see cref="InstanceStatus"/>: mostly TODOWNLOAD.</summary>
    private static readonly (InstanceStatus Status, int Percent)[] StatusMix =
    [
        (InstanceStatus.TOUPLOAD, 10),
        (InstanceStatus.INFOERROR, 5),
        (InstanceStatus.TODOWNLOAD, 70),
        (InstanceStatus.DOWNLOADERROR, 5),
        (InstanceStatus.EXPIRED, 10),
    ];

    private readonly string[] _userIds;
    private readonly int _firstNumber;
    private readonly DateTime _now;

    public DemoData(DemoSeedOptions options, int firstNumber, DateTime now)
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

    /// <summary>
    /// The audit trail's mix, per 10,000 entries: mostly the hosts' and customers' own traffic (check-ins, downloads,
    /// uploads), then staff edits, then rare events (a vendor key a year). Who acts follows the action: customers
    /// download and upload, staff edit, the portal's time rules expire and end cool-downs.
    /// </summary>
    private static readonly (string Action, string TargetType, DemoActorKind Actor, int Weight)[] AuditMix =
    [
        ("instance.check-in", "instance", DemoActorKind.Customer, 3200),
        ("license.download", "instance", DemoActorKind.Customer, 2800),
        ("license.generate", "instance", DemoActorKind.Customer, 700),
        ("hostinfo.upload", "instance", DemoActorKind.Customer, 700),
        ("instance.update", "instance", DemoActorKind.Staff, 1100),
        ("instance.create", "instance", DemoActorKind.Staff, 350),
        ("instance.expire", "instance", DemoActorKind.System, 200),
        ("user.update", "user", DemoActorKind.Staff, 200),
        ("hostinfo.rejected", "instance", DemoActorKind.Customer, 120),
        ("license.refused", "instance", DemoActorKind.Customer, 100),
        ("user.create", "user", DemoActorKind.Staff, 100),
        ("activationtoken.create", "instance", DemoActorKind.Staff, 80),
        ("instance.delete", "instance", DemoActorKind.Staff, 50),
        ("instance.reset-download-error", "instance", DemoActorKind.Staff, 50),
        ("token.create", "token", DemoActorKind.Staff, 40),
        ("hostinfo.rebind-requested", "instance", DemoActorKind.Customer, 40),
        ("hostinfo.rebind-automatic", "instance", DemoActorKind.System, 30),
        ("hostinfo.rebind-approved", "instance", DemoActorKind.Staff, 25),
        ("instance.cool-down-end", "instance", DemoActorKind.System, 25),
        ("user.deactivate", "user", DemoActorKind.Staff, 20),
        ("activationtoken.revoke", "instance", DemoActorKind.Staff, 20),
        ("token.revoke", "token", DemoActorKind.Staff, 15),
        ("hostinfo.rebind-denied", "instance", DemoActorKind.Staff, 10),
        ("user.activate", "user", DemoActorKind.Staff, 10),
        ("instance.host-identifier-tolerance", "instance", DemoActorKind.Staff, 8),
        ("user.delete", "user", DemoActorKind.Staff, 6),
        ("vendorkey.add", "vendorkey", DemoActorKind.Staff, 1),
    ];

    /// <summary>The staff who edit: one administrator and a few operators (names only; the trail references no account).</summary>
    private static readonly string[] StaffNames = ["admin", "ops01", "ops02", "ops03", "ops04", "ops05", "ops06", "ops07", "ops08"];

    /// <summary>
    /// <see cref="DemoSeedOptions.AuditEntries"/> entries over the year before now, oldest first, so ids rise with time as
    /// in a real append-only trail. Customers and targets are the cust{n} of this run (cust1..cust1000 when it seeds no
    /// users); instance targets are cust{n}-site{1..10}, the names the instance seed gives.
    /// </summary>
    public IEnumerable<DemoAuditEntry> AuditEntries
    {
        get
        {
            var random = new Random(Options.RandomSeed + 3);
            var total = Options.AuditEntries;
            var customers = _userIds.Length > 0 ? _userIds.Length : 1000;
            var weights = AuditMix.Sum(m => m.Weight);
            var start = _now.AddDays(-365);
            var step = TimeSpan.FromDays(365).Ticks / (double)Math.Max(total, 1);
            for (var n = 0; n < total; n++)
            {
                // One slot of the year per entry and a random moment inside it: strictly increasing times.
                var at = new DateTime(start.Ticks + (long)(step * (n + random.NextDouble())), DateTimeKind.Utc);
                var (action, targetType, actorKind) = PickAction(random.Next(weights));
                var customer = random.Next(customers);
                var customerName = $"cust{_firstNumber + customer}";
                var instance = $"{customerName}-site{random.Next(1, 11)}";
                var (actorId, actorName, address) = actorKind switch
                {
                    DemoActorKind.Customer => (_userIds.Length > 0 ? _userIds[customer] : "", customerName, $"10.{customer / 65536 % 256}.{customer / 256 % 256}.{customer % 256}"),
                    DemoActorKind.Staff => StaffActor(random.Next(StaffNames.Length)),
                    _ => ("", "(system)", ""),
                };
                var targetKey = targetType switch
                {
                    "user" => customerName,
                    "token" => $"tok{random.Next(1, 5000):D5}",
                    "vendorkey" => $"signing-{at:yyyyMMdd}",
                    _ => instance,
                };
                var (before, after) = Values(action, random);
                yield return new DemoAuditEntry(at, actorId, actorName, address, action, targetType, targetKey, before, after);
            }
        }
    }

    private static (string Id, string Name, string Address) StaffActor(int staff) =>
        ($"staff-{staff}", StaffNames[staff], $"192.168.10.{10 + staff}");

    private static (string Action, string TargetType, DemoActorKind Actor) PickAction(int ticket)
    {
        foreach (var (action, targetType, actor, weight) in AuditMix)
        {
            if (ticket < weight)
            {
                return (action, targetType, actor);
            }
            ticket -= weight;
        }
        return (AuditMix[0].Action, AuditMix[0].TargetType, AuditMix[0].Actor);
    }

    /// <summary>Small before/after JSON of the kind <c>AuditLog</c> writes (camel-case fields, no secrets).</summary>
    private static (string? Before, string? After) Values(string action, Random random) => action switch
    {
        "instance.update" => ($"{{\"maxDesktops\":{5 * random.Next(1, 41)}}}", $"{{\"maxDesktops\":{5 * random.Next(1, 41)}}}"),
        "instance.create" => (null, $"{{\"maxDesktops\":{5 * random.Next(1, 41)},\"maxUsers\":{10 * random.Next(1, 51)},\"status\":\"TOUPLOAD\"}}"),
        "instance.delete" => ("{\"status\":\"TODOWNLOAD\"}", null),
        "instance.expire" => ("{\"status\":\"TODOWNLOAD\"}", "{\"status\":\"EXPIRED\"}"),
        "license.download" or "license.generate" => (null, $"{{\"revision\":{random.Next(1, 40)}}}"),
        "hostinfo.upload" => (null, $"{{\"mac\":\"52:54:00:{random.Next(256):x2}:{random.Next(256):x2}:{random.Next(256):x2}\",\"status\":\"TODOWNLOAD\"}}"),
        "user.update" => ($"{{\"organization\":\"Org{random.Next(5000):D4}\"}}", $"{{\"organization\":\"Org{random.Next(5000):D4}\"}}"),
        _ => (null, null),
    };

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

/// <summary>One demo account.</summary>
internal sealed record DemoUser(string Id, string UserName, string Email, string Organization, string SecurityStamp, string ConcurrencyStamp, DateTime CreatedAt);

/// <summary>One demo instance.</summary>
internal sealed record DemoInstance(
    string Name, string OwnerId, int MaxDesktops, int MaxImages, int MaxUsers, int MaxVcpus, int MaxVmemGib, int MaxVdiskGib,
    InstanceStatus Status, DateOnly ExpiresOn, int DownloadCount, DateTime CreatedAt, DateTime UpdatedAt, Guid Version);

/// <summary>Who makes a demo audit entry.</summary>
internal enum DemoActorKind
{
    Customer,
    Staff,
    System,
}

/// <summary>One demo audit entry, in <see cref="AuditEntry"/>'s columns.</summary>
internal sealed record DemoAuditEntry(
    DateTime At, string ActorUserId, string ActorUserName, string RemoteAddress, string Action, string TargetType, string TargetKey, string? Before, string? After);
