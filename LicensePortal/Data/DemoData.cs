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
