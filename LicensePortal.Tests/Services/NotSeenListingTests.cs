using System.Data.Common;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Services;

/// <summary>
/// The support desk's "not seen for N days" (and the API's <c>notSeenForDays</c>): exactly the instances whose host last
/// checked in more than N days ago, the longest silent first, a page at a time, without writing.
/// </summary>
public sealed class NotSeenListingTests
{
    /// <summary>
    /// At the end: old-01 was seen 40 days ago, ten-01 10 days, seven-01 exactly 7 days, two-01 2 days, fresh-01 an hour
    /// ago; never-01 has a downloaded license but its host never checked in; bob-01 (another customer's) 20 days ago.
    /// </summary>
    private static async Task<(PortalActor Alice, PortalActor Support)> ArrangeAsync(PortalServices portal)
    {
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        var support = await portal.CreateUserAsync("helpdesk", PortalRole.Support);
        foreach (var name in new[] { "fresh-01", "never-01", "old-01", "seven-01", "ten-01", "two-01" })
        {
            await portal.CreateInstanceAsync(name, alice);
        }
        await portal.CreateInstanceAsync("bob-01", bob);
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Instances.Where(i => i.Name == "never-01").ExecuteUpdateAsync(s => s.SetProperty(i => i.DownloadCount, 2));
        }
        var checkIns = portal.Get<HostCheckInService>();
        async Task CheckInAsync(PortalActor owner, string name, TimeSpan thenWait)
        {
            Assert.True(await checkIns.RecordAsync(owner, name, new HostCheckInReport("1.0.0", 1)));
            portal.Time.Advance(thenWait);
        }
        await CheckInAsync(alice, "old-01", TimeSpan.FromDays(20));
        await CheckInAsync(bob, "bob-01", TimeSpan.FromDays(10));
        await CheckInAsync(alice, "ten-01", TimeSpan.FromDays(3));
        await CheckInAsync(alice, "seven-01", TimeSpan.FromDays(5));
        await CheckInAsync(alice, "two-01", TimeSpan.FromDays(2) - TimeSpan.FromHours(1));
        await CheckInAsync(alice, "fresh-01", TimeSpan.FromHours(1));
        return (alice, support);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_support_desk_lists_exactly_the_instances_not_seen_for_N_days_longest_silent_first(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var (alice, support) = await ArrangeAsync(portal);
        var desk = portal.Get<DashboardService>();

        async Task<string[]> NamesAsync(PortalActor actor, int days, InstanceStatus? status = null, string? prefix = null, int page = 0, int pageSize = 25) =>
            (await desk.NotSeenAsync(actor, days, status, prefix, page, pageSize)).Items.Select(i => i.Name).ToArray();

        Assert.Equal(["old-01", "bob-01", "ten-01", "seven-01", "two-01"], await NamesAsync(support, 1));
        Assert.Equal(["old-01", "bob-01", "ten-01"], await NamesAsync(support, 7));
        Assert.Equal(["old-01"], await NamesAsync(support, 30));
        Assert.Empty(await NamesAsync(support, 41));
        // A customer sees only their own; the state and name filters of the desk still apply.
        Assert.Equal(["old-01", "ten-01", "seven-01", "two-01"], await NamesAsync(alice, 1));
        Assert.Equal(["ten-01", "two-01"], await NamesAsync(support, 1, InstanceStatus.TOUPLOAD, "t"));
        Assert.Empty(await NamesAsync(support, 1, InstanceStatus.TODOWNLOAD));
        // Pages on the server: the total counts every match, each page holds its part.
        var first = await desk.NotSeenAsync(support, 1, null, null, 0, 2);
        Assert.Equal(5, first.TotalCount);
        Assert.Equal(["old-01", "bob-01"], first.Items.Select(i => i.Name));
        Assert.Equal(["ten-01", "seven-01"], await NamesAsync(support, 1, page: 1, pageSize: 2));
        Assert.Equal(["two-01"], await NamesAsync(support, 1, page: 2, pageSize: 2));
        var oldest = first.Items[0];
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime.AddDays(-40), oldest.LastSeenAt);
        Assert.Equal((1, "1.0.0"), (oldest.LastSeenRevision, oldest.LastSeenAgentVersion));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_instance_list_filters_by_not_seen_for_N_days_and_neither_listing_writes(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var writes = new WriteCounter();
        await using var portal = await PortalServices.StartAsync(provider, services => InstanceServiceTests.CountWrites(services, provider, writes));
        var (alice, support) = await ArrangeAsync(portal);
        writes.Reset();

        var week = await portal.Get<InstanceService>().ListAsync(support, new InstanceQuery(NotSeenForDays: 7));
        var mine = await portal.Get<InstanceService>().ListAsync(alice, new InstanceQuery(NotSeenForDays: 1, SortBy: InstanceSort.Name, Descending: true));
        var desk = await portal.Get<DashboardService>().NotSeenAsync(support, 30, null, null, 0, 25);

        Assert.Equal(["bob-01", "old-01", "ten-01"], week.Items.Select(i => i.Name));
        Assert.Equal(3, week.TotalCount);
        Assert.Equal(["two-01", "ten-01", "seven-01", "old-01"], mine.Items.Select(i => i.Name));
        Assert.Single(desk.Items);
        Assert.Equal(0, writes.Writes);
    }

    [Fact]
    public async Task On_SQLite_the_not_seen_page_is_a_range_of_the_LastSeenAt_index_read_in_its_order()
    {
        var captured = new CommandCapture();
        await using var portal = await PortalServices.StartAsync(DatabaseProvider.Sqlite,
            services => services.ConfigureDbContext<SqliteAppDbContext>((_, o) => o.AddInterceptors(captured), ServiceLifetime.Singleton));
        var (_, support) = await ArrangeAsync(portal);
        captured.Commands.Clear();

        await portal.Get<DashboardService>().NotSeenAsync(support, 7, null, null, 1, 2);

        var page = Assert.Single(captured.Commands, c => c.Text.Contains("LIMIT", StringComparison.Ordinal));
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + page.Text;
        foreach (var (name, value) in page.Parameters)
        {
            var parameter = explain.CreateParameter();
            (parameter.ParameterName, parameter.Value) = (name, value);
            explain.Parameters.Add(parameter);
        }
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(reader.GetOrdinal("detail")));
            }
        }

        Assert.Contains(plan, step => step.Contains("USING INDEX IX_Instances_LastSeenAt (LastSeenAt<?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    /// <summary>Every query's text and parameter values, as EF Core sends them.</summary>
    private sealed class CommandCapture : DbCommandInterceptor
    {
        public List<(string Text, (string Name, object? Value)[] Parameters)> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            lock (Commands)
            {
                Commands.Add((command.CommandText, command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToArray()));
            }
            return ValueTask.FromResult(result);
        }
    }
}
