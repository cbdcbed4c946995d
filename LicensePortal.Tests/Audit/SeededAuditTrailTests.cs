using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Audit;

/// <summary>seed-demo --audit-entries: a year of entries the audit page reads as its own, and the page's queries on them.</summary>
public sealed class SeededAuditTrailTests
{
    private static async Task<List<AuditEntry>> AllAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Seeds_a_year_of_mixed_entries_oldest_first(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var now = portal.Time.GetUtcNow().UtcDateTime;

        var result = await portal.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(50, 100) { AuditEntries = 5000 }, TextWriter.Null);

        Assert.True(result.Seeded);
        Assert.Equal(5000, result.AuditEntries);
        var entries = await AllAsync(portal);
        Assert.Equal(5000, entries.Count);
        // Append-only order: ids rise with time, over the year before the seed.
        Assert.All(entries.Zip(entries.Skip(1)), pair => Assert.True(pair.First.At < pair.Second.At));
        Assert.InRange(entries[0].At, now.AddDays(-365), now.AddDays(-364));
        Assert.InRange(entries[^1].At, now.AddDays(-1), now);
        // A realistic mix: many of the portal's actions, the commonest far ahead of the rarest, every one a known code.
        var byAction = entries.GroupBy(e => e.Action).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byAction.Keys, action => Assert.Contains(action, AuditSentences.Actions));
        Assert.True(byAction.Count >= 15, string.Join(", ", byAction.Keys));
        Assert.InRange(byAction["license.download"], 1000, 1800);
        Assert.True(byAction["instance.update"] > byAction.GetValueOrDefault("user.delete") * 20);
        // Customers act on their own instances, staff and the portal on anyone's; the after-JSON is JSON.
        Assert.All(entries.Where(e => e.Action == "license.download"), e =>
        {
            Assert.Matches("^cust[0-9]+$", e.ActorUserName);
            Assert.StartsWith(e.ActorUserName + "-site", e.TargetKey, StringComparison.Ordinal);
            Assert.Equal("instance", e.TargetType);
            Assert.NotNull(System.Text.Json.JsonDocument.Parse(e.After!));
        });
        Assert.Contains(entries, e => e.ActorUserName == "(system)" && e.Action == "instance.expire");
        Assert.True(entries.Select(e => e.ActorUserName).Distinct().Count() > 40);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_page_filters_the_seeded_trail_by_target_actor_action_and_dates(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        await portal.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(20, 0) { AuditEntries = 6000 }, TextWriter.Null);
        var audit = portal.Get<AuditService>();
        var admin = await portal.AdminAsync();
        // A code the catalogue does not know (an older portal's, say) still belongs to its family.
        await audit.RecordAsync(admin, "user.legacy-merge", "user", "cust1", null, null);
        var entries = await AllAsync(portal);
        var target = entries.First(e => e.TargetType == "instance").TargetKey;
        var middle = entries[3000].At;

        async Task Matches(AuditQuery query, Func<AuditEntry, bool> expected)
        {
            var page = (await audit.ListAsync(admin, query with { PageSize = AuditService.MaxPageSize })).Value!;
            var wanted = entries.Where(expected).OrderByDescending(e => e.At).ThenByDescending(e => e.Id).ToList();
            Assert.True(wanted.Count > 0);
            Assert.Equal(wanted.Count, page.TotalCount);
            Assert.Equal(wanted.Take(AuditService.MaxPageSize).Select(e => e.Id), page.Items.Select(r => r.Id));
            var second = (await audit.ListAsync(admin, query with { Page = 1, PageSize = 50 })).Value!;
            Assert.Equal(wanted.Skip(50).Take(50).Select(e => e.Id), second.Items.Select(r => r.Id));
        }

        await Matches(new AuditQuery { TargetType = "instance", TargetKey = target }, e => e.TargetType == "instance" && e.TargetKey == target);
        await Matches(new AuditQuery { TargetKey = target }, e => e.TargetKey == target);
        await Matches(new AuditQuery { ActorUserName = "ops03" }, e => e.ActorUserName == "ops03");
        await Matches(new AuditQuery { ActionPrefix = "license.download" }, e => e.Action == "license.download");
        await Matches(new AuditQuery { ActionPrefix = "user.delete" }, e => e.Action == "user.delete");
        await Matches(new AuditQuery { ActionPrefix = "hostinfo.rebind" }, e => e.Action.StartsWith("hostinfo.rebind", StringComparison.Ordinal));
        await Matches(new AuditQuery { ActionPrefix = "user." }, e => e.Action.StartsWith("user.", StringComparison.Ordinal));
        await Matches(new AuditQuery { From = middle.AddDays(-3), To = middle }, e => e.At >= middle.AddDays(-3) && e.At < middle);
        await Matches(new AuditQuery { ActorUserName = "ops03", From = middle }, e => e.ActorUserName == "ops03" && e.At >= middle);
    }

    [Fact]
    public async Task The_audit_total_stops_counting_at_the_cap()
    {
        await using var portal = await PortalServices.StartAsync();
        await portal.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(10, 0) { AuditEntries = AuditService.TotalCountCap + 50 }, TextWriter.Null);
        var audit = portal.Get<AuditService>();
        var admin = await portal.AdminAsync();

        var first = (await audit.ListAsync(admin, new AuditQuery())).Value!;
        var last = (await audit.ListAsync(admin, new AuditQuery(Page: AuditService.TotalCountCap / 50 - 1))).Value!;
        var filtered = (await audit.ListAsync(admin, new AuditQuery { ActorUserName = "ops03" })).Value!;

        Assert.Equal(AuditService.TotalCountCap, first.TotalCount);
        Assert.True(first.TotalCapped);
        Assert.Equal(50, first.Items.Count);
        Assert.Equal(50, last.Items.Count);
        Assert.True(last.Items[0].At < first.Items[^1].At);
        Assert.False(filtered.TotalCapped);
        Assert.InRange(filtered.TotalCount, 1, AuditService.TotalCountCap - 1);
    }

    [Fact]
    public void Parses_the_audit_entries_option()
    {
        var options = DemoSeedOptions.Parse(["seed-demo", "--users", "10", "--instances", "0", "--audit-entries", "10000000"]);

        Assert.Equal(new DemoSeedOptions(10, 0) { AuditEntries = 10_000_000 }, options);
        Assert.Equal(0, DemoSeedOptions.Parse(["seed-demo"]).AuditEntries);
        Assert.Throws<ArgumentException>(() => DemoSeedOptions.Parse(["seed-demo", "--audit-entries", "-1"]));
    }

    [Fact]
    public async Task Seeded_entries_are_append_only_like_any_other()
    {
        await using var portal = await PortalServices.StartAsync();
        await portal.Get<DemoSeeder>().SeedAsync(new DemoSeedOptions(5, 0) { AuditEntries = 100 }, TextWriter.Null);
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

        var update = await Record.ExceptionAsync(() => db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEntries" SET "Action" = 'x'"""));
        var delete = await Record.ExceptionAsync(() => db.Database.ExecuteSqlRawAsync("""DELETE FROM "AuditEntries" """));

        Assert.Contains("append-only", update?.Message, StringComparison.Ordinal);
        Assert.Contains("append-only", delete?.Message, StringComparison.Ordinal);
        Assert.Equal(100, await db.AuditEntries.CountAsync());
    }
}
