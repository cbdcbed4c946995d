using LicensePortal.Data;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Tests.Services;

/// <summary>
/// The background sweep changes states in SQL (to lock its batches); <see cref="InstanceLifecycle.ApplyTime"/> is the rule.
/// Every state × expiry × time since the last change, as real rows: the sweep must leave each row exactly as the rule says.
/// </summary>
public sealed class SweepAgreesWithTheLifecycle
{
    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_sweep_leaves_every_instance_in_the_state_the_lifecycle_gives(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var owner = await portal.CreateUserAsync("owner");
        var now = portal.Time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var coolDown = portal.Get<IOptions<LicensingOptions>>().Value.DownloadCoolDown;
        var cases = new List<(string Name, InstanceState Before)>();
        foreach (var status in Enum.GetValues<InstanceStatus>())
        {
            foreach (var expires in new[] { today.AddDays(-1), today, today.AddDays(1) })
            {
                foreach (var sinceChange in new[] { coolDown + TimeSpan.FromMinutes(1), coolDown, coolDown - TimeSpan.FromSeconds(1) })
                {
                    var name = $"i-{cases.Count:D3}";
                    await portal.CreateInstanceAsync(name, owner);
                    cases.Add((name, new InstanceState(status, status == InstanceStatus.INFOERROR ? "HostInfo.BadCheckCode" : "", now - sinceChange, expires, HasHost: false)));
                }
            }
        }
        var factory = portal.Get<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            foreach (var (name, before) in cases)
            {
                var instance = await db.Instances.SingleAsync(i => i.Name == name);
                before.ApplyTo(instance);
                instance.ExpiresOn = before.ExpiresOn;
            }
            await db.SaveChangesAsync();
        }

        var changed = await portal.Get<InstanceStatusSweeper>().SweepAsync();

        await using var read = await factory.CreateDbContextAsync();
        var rows = await read.Instances.AsNoTracking().ToDictionaryAsync(i => i.Name);
        var expectedChanges = 0;
        foreach (var (name, before) in cases)
        {
            var (expected, change) = InstanceLifecycle.ApplyTime(before, now, coolDown);
            expectedChanges += change == AutomaticChange.None ? 0 : 1;
            var row = rows[name];
            Assert.True((expected.Status, expected.Reason) == (row.Status, row.StatusReason),
                $"{name} ({before.Status}, expires {before.ExpiresOn}, changed {now - before.ChangedAt} ago): the sweep left {row.Status}, the lifecycle says {expected.Status}");
        }
        Assert.Equal(expectedChanges, changed);
        Assert.True(expectedChanges > 10, "the cases cover both time rules");
    }
}
