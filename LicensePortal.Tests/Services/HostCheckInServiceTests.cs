using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Services;

/// <summary>Recording a host's check-in: its three columns, without the instance's version, audited only when something new is reported.</summary>
public sealed class HostCheckInServiceTests
{
    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_check_in_keeps_the_instances_version_so_an_edit_read_before_it_still_saves(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var admin = await portal.AdminAsync();
        var read = await portal.CreateInstanceAsync("alice-01", alice, desktops: 10);
        portal.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(await portal.Get<HostCheckInService>().RecordAsync(alice, "ALICE-01", new HostCheckInReport("1.2.3+abc", 3)));
        var afterCheckIn = await portal.Get<InstanceService>().GetAsync(admin, read.Id);
        var update = await portal.Get<InstanceService>().UpdateAsync(admin, read.Id, read.ToQuotas() with { MaxDesktops = 20 }, read.Version);

        Assert.Equal(read.Version, afterCheckIn!.Version);
        Assert.Equal(read.UpdatedAt, afterCheckIn.UpdatedAt);
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime, afterCheckIn.LastSeenAt);
        Assert.Equal(3, afterCheckIn.LastSeenRevision);
        Assert.Equal("1.2.3+abc", afterCheckIn.LastSeenAgentVersion);
        Assert.True(update.Succeeded, string.Join(", ", update.Errors.Select(e => e.Code)));
        // The administrator's save wrote its columns only: the check-in is still there.
        Assert.Equal(20, update.Value!.MaxDesktops);
        Assert.Equal(3, update.Value.LastSeenRevision);
        Assert.Equal("1.2.3+abc", update.Value.LastSeenAgentVersion);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Only_a_check_in_that_reports_a_new_revision_or_agent_version_is_audited(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("alice-01", alice);
        var checkIns = portal.Get<HostCheckInService>();

        await checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("1.0.0", null)); // the first: audited
        for (var hour = 0; hour < 5; hour++)
        {
            portal.Time.Advance(TimeSpan.FromHours(1));
            await checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("1.0.0", null)); // the same again: not
        }
        await checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("1.0.0", 1));     // a revision installed
        await checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("1.0.0", 1));
        await checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("1.1.0", 1));     // the agent upgraded
        portal.Time.Advance(TimeSpan.FromHours(1));
        await checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("1.1.0", 1));

        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var entries = await db.AuditEntries.Where(e => e.Action == HostCheckInService.AuditAction).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal(("instance", "alice-01", "alice"), (e.TargetType, e.TargetKey, e.ActorUserName)));
        Assert.Null(entries[0].Before);
        Assert.Equal("""{"revision":null,"agentVersion":"1.0.0"}""", entries[0].After);
        Assert.Equal("""{"revision":1,"agentVersion":"1.0.0"}""", entries[1].After);
        Assert.Equal("""{"revision":1,"agentVersion":"1.0.0"}""", entries[2].Before);
        Assert.Equal("""{"revision":1,"agentVersion":"1.1.0"}""", entries[2].After);
        var row = await db.Instances.SingleAsync();
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime, DateTime.SpecifyKind(row.LastSeenAt!.Value, DateTimeKind.Utc));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Simultaneous_check_ins_reporting_the_same_new_revision_are_audited_once(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("alice-01", alice);
        var checkIns = portal.Get<HostCheckInService>();

        var recorded = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => checkIns.RecordAsync(alice, "alice-01", new HostCheckInReport("2.0.0", 5)))));

        Assert.All(recorded, Assert.True);
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == HostCheckInService.AuditAction));
        var row = await db.Instances.SingleAsync();
        Assert.Equal((5, "2.0.0"), (row.LastSeenRevision, row.LastSeenAgentVersion));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Support_staff_and_other_customers_cannot_check_an_instance_in(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        var support = await portal.CreateUserAsync("helpdesk", PortalRole.Support);
        var instance = await portal.CreateInstanceAsync("alice-01", alice);
        var checkIns = portal.Get<HostCheckInService>();

        Assert.False(await checkIns.RecordAsync(support, "alice-01", new HostCheckInReport("1.0.0", 1)));
        Assert.False(await checkIns.RecordAsync(bob, "alice-01", new HostCheckInReport("1.0.0", 1)));
        Assert.False(await checkIns.RecordAsync(alice, "nobody-01", new HostCheckInReport("1.0.0", 1)));

        var seen = await checkIns.GetAsync(support, "alice-01");
        Assert.Equal(new HostCheckIn(instance.Id, alice.UserId, null, null, ""), seen);
        Assert.Null(await checkIns.GetAsync(bob, "alice-01"));
    }

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("1.0.0-rc.1+0123456789abcdef0123456789abcdef01234567", true)]
    [InlineData("a b", true)]
    [InlineData("", false)]
    [InlineData(" 1.0", false)]
    [InlineData("1.0 ", false)]
    [InlineData("1.0\t1", false)]
    [InlineData("1.0\u00e9", false)]
    [InlineData("版本1", false)]
    public void An_agent_version_is_1_to_64_printable_ASCII_characters(string version, bool valid)
    {
        Assert.Equal(valid, HostCheckInRules.IsValidAgentVersion(version));
        Assert.True(HostCheckInRules.IsValidAgentVersion(new string('v', 64)));
        Assert.False(HostCheckInRules.IsValidAgentVersion(new string('v', 65)));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("2147483648", null)]
    [InlineData("-1", null)]
    [InlineData("+1", null)]
    [InlineData(" 1", null)]
    [InlineData("1.0", null)]
    [InlineData("0x1", null)]
    [InlineData("\u0663", null)]
    [InlineData("", null)]
    public void A_revision_is_a_non_negative_decimal_int(string text, int? expected)
    {
        var parsed = HostCheckInRules.TryParseRevision(text, out var revision);

        Assert.Equal(expected is not null, parsed);
        if (expected is { } value)
        {
            Assert.Equal(value, revision);
        }
    }
}
