using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Services;

/// <summary>The seed's 实例管理 through the real InstanceService, on SQLite and PostgreSQL.</summary>
public sealed class InstanceServiceTests
{
    private static readonly DateOnly Today = new(2026, 11, 28); // PortalServices' fake clock

    private static InstanceQuotas Quotas(DateOnly? expiresOn = null) => new(10, 5, 20, 64, 256, 2048, expiresOn ?? Today.AddYears(1));

    // ---- live refresh --------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Pages_refreshing_for_the_same_change_share_one_read_and_the_next_change_reads_again(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var support = await portal.CreateUserAsync("helpdesk", PortalRole.Support);
        var owner = await portal.CreateUserAsync("owner");
        var instance = await portal.CreateInstanceAsync("acme-01", owner, desktops: 10);
        var service = portal.Get<InstanceService>();
        var query = new InstanceQuery();

        var first = await service.ListForRefreshAsync(admin, query);
        // Written behind the portal's back (no notification): a refresh for the same change still shares the first read...
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Instances.Where(i => i.Id == instance.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.MaxImages, 9));
        }
        var second = await service.ListForRefreshAsync(support, query);
        Assert.Equal(5, Assert.Single(second.Items).MaxImages);
        Assert.NotSame(first.Items[0], second.Items[0]);
        // ...while a page's own load (paging, sorting, after a save) always reads.
        Assert.Equal(9, Assert.Single((await service.ListAsync(admin, query)).Items).MaxImages);

        // A change announced by the portal starts a new read that shows it.
        var updated = await service.UpdateAsync(admin, instance.Id, (await service.GetAsync(admin, instance.Id))!.ToQuotas() with { MaxDesktops = 31 }, (await service.GetAsync(admin, instance.Id))!.Version);
        Assert.True(updated.Succeeded);
        var third = Assert.Single((await service.ListForRefreshAsync(admin, query)).Items);
        Assert.Equal((31, 9), (third.MaxDesktops, third.MaxImages));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_shared_refresh_never_shows_a_customer_another_customers_instances(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("alice-01", alice);
        await portal.CreateInstanceAsync("bob-01", bob);
        var service = portal.Get<InstanceService>();

        var seenByAlice = await service.ListForRefreshAsync(alice, new InstanceQuery());
        var seenByBob = await service.ListForRefreshAsync(bob, new InstanceQuery());
        var seenByStaff = await service.ListForRefreshAsync(await portal.AdminAsync(), new InstanceQuery());

        Assert.Equal("alice-01", Assert.Single(seenByAlice.Items).Name);
        Assert.Equal("bob-01", Assert.Single(seenByBob.Items).Name);
        Assert.Equal(2, seenByStaff.Items.Count);
    }

    // ---- create --------------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_valid_instance_is_created_waiting_for_host_info(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance("alice-prod.01", alice.UserId, Quotas()));

        Assert.True(result.Succeeded);
        var stored = Assert.Single(await AllInstancesAsync(portal));
        Assert.Equal(("alice-prod.01", "ALICE-PROD.01", alice.UserId, InstanceStatus.TOUPLOAD), (stored.Name, stored.NormalizedName, stored.OwnerId, stored.Status));
        Assert.Equal((10, 5, 20, 64, 256, 2048, Today.AddYears(1)), (stored.MaxDesktops, stored.MaxImages, stored.MaxUsers, stored.MaxVcpus, stored.MaxVmemGib, stored.MaxVdiskGib, stored.ExpiresOn));
        Assert.Equal(stored.Version, result.Value!.Version);
        Assert.NotEqual(Guid.Empty, stored.Version);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_name_differing_only_in_case_from_an_existing_instance_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("Alice-01", alice);
        var before = await SnapshotAsync(portal);

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance("aLICE-01", alice.UserId, Quotas()));

        AssertInvalid(result, ("Name", "Error.DuplicateInstanceName"));
        Assert.Equal(before, await SnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_name_with_characters_other_than_letters_digits_dash_underscore_and_dot_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance("alice 01/测试", alice.UserId, Quotas()));

        AssertInvalid(result, ("Name", "Error.InstanceNameChars"));
        Assert.Empty(await AllInstancesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_name_longer_than_64_characters_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance(new string('a', 65), alice.UserId, Quotas()));

        AssertInvalid(result, ("Name", "Error.TooLong"));
        Assert.Empty(await AllInstancesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_negative_quota_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance("alice-01", alice.UserId, Quotas() with { MaxImages = -1 }));

        AssertInvalid(result, ("MaxImages", "Error.QuotaRange"));
        Assert.Empty(await AllInstancesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_absurd_quota_above_its_limit_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(),
            new NewInstance("alice-01", alice.UserId, Quotas() with { MaxDesktops = InstanceRules.MaxDesktopsLimit + 1 }));

        AssertInvalid(result, ("MaxDesktops", "Error.QuotaRange"));
        Assert.Empty(await AllInstancesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_expiry_in_the_past_is_refused_for_a_new_instance(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance("alice-01", alice.UserId, Quotas(Today.AddDays(-1))));

        AssertInvalid(result, ("ExpiresOn", "Error.ExpiryInPast"));
        Assert.Empty(await AllInstancesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_owner_that_does_not_exist_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);

        var result = await portal.Get<InstanceService>().CreateAsync(await portal.AdminAsync(), new NewInstance("ghost-01", Guid.NewGuid().ToString(), Quotas()));

        AssertInvalid(result, ("OwnerId", "Error.OwnerNotFound"));
        Assert.Empty(await AllInstancesAsync(portal));
    }

    // ---- update --------------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_update_with_the_current_version_saves_the_quotas_and_issues_a_new_version(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var instance = await portal.CreateInstanceAsync("alice-01", alice, desktops: 10);

        var result = await portal.Get<InstanceService>().UpdateAsync(await portal.AdminAsync(), instance.Id, instance.ToQuotas() with { MaxDesktops = 20 }, instance.Version);

        Assert.True(result.Succeeded);
        var stored = Assert.Single(await AllInstancesAsync(portal));
        Assert.Equal(20, stored.MaxDesktops);
        Assert.NotEqual(instance.Version, stored.Version);
        Assert.Equal(stored.Version, result.Value!.Version);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task When_two_people_edit_the_same_instance_the_later_save_is_refused_with_the_current_values(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var admin2 = await portal.CreateUserAsync("admin2", PortalRole.Administrator);
        var readByBoth = await portal.CreateInstanceAsync("alice-01", alice, desktops: 10);
        var service = portal.Get<InstanceService>();
        var first = await service.UpdateAsync(await portal.AdminAsync(), readByBoth.Id, readByBoth.ToQuotas() with { MaxDesktops = 20 }, readByBoth.Version);
        Assert.True(first.Succeeded);
        var afterFirst = await SnapshotAsync(portal);

        var second = await service.UpdateAsync(admin2, readByBoth.Id, readByBoth.ToQuotas() with { MaxDesktops = 30, MaxImages = 9 }, readByBoth.Version);

        Assert.Equal(Failure.Conflict, second.Failure);
        Assert.Equal("Error.Conflict", Assert.Single(second.Errors).Code);
        Assert.Equal((20, 5, first.Value!.Version), (second.Value!.MaxDesktops, second.Value.MaxImages, second.Value.Version));
        Assert.Equal(afterFirst, await SnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Setting_an_expiry_in_the_past_on_edit_moves_the_instance_to_EXPIRED(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var instance = await portal.CreateInstanceAsync("alice-01", alice);

        var result = await portal.Get<InstanceService>().UpdateAsync(await portal.AdminAsync(), instance.Id, instance.ToQuotas() with { ExpiresOn = Today.AddDays(-1) }, instance.Version);

        Assert.True(result.Succeeded);
        var stored = Assert.Single(await AllInstancesAsync(portal));
        Assert.Equal((InstanceStatus.EXPIRED, Today.AddDays(-1)), (stored.Status, stored.ExpiresOn));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Extending_an_expired_instance_without_host_info_moves_it_back_to_TOUPLOAD(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var created = await portal.CreateInstanceAsync("alice-01", alice);
        var service = portal.Get<InstanceService>();
        var expired = (await service.UpdateAsync(await portal.AdminAsync(), created.Id, created.ToQuotas() with { ExpiresOn = Today.AddDays(-1) }, created.Version)).Value!;
        Assert.Equal(InstanceStatus.EXPIRED, expired.Status);

        var result = await service.UpdateAsync(await portal.AdminAsync(), expired.Id, expired.ToQuotas() with { ExpiresOn = Today.AddMonths(6) }, expired.Version);

        Assert.True(result.Succeeded);
        var stored = Assert.Single(await AllInstancesAsync(portal));
        Assert.Equal((InstanceStatus.TOUPLOAD, Today.AddMonths(6), ""), (stored.Status, stored.ExpiresOn, stored.PublicKey));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Extending_an_expired_instance_with_host_info_on_file_moves_it_to_TODOWNLOAD(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var created = await portal.CreateInstanceAsync("alice-01", alice);
        // As the host info upload and the expiry job would leave it: keys on file, expired yesterday.
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var row = await db.Instances.SingleAsync();
            (row.PublicKey, row.Mac, row.Status, row.ExpiresOn) = ("ssh-ed25519 AAAA host", "52:54:00:12:34:56", InstanceStatus.EXPIRED, Today.AddDays(-1));
            await db.SaveChangesAsync();
        }
        var expired = (await portal.Get<InstanceService>().GetAsync(await portal.AdminAsync(), created.Id))!;

        var result = await portal.Get<InstanceService>().UpdateAsync(await portal.AdminAsync(), expired.Id, expired.ToQuotas() with { ExpiresOn = Today.AddMonths(6) }, expired.Version);

        Assert.True(result.Succeeded);
        var stored = Assert.Single(await AllInstancesAsync(portal));
        Assert.Equal((InstanceStatus.TODOWNLOAD, "ssh-ed25519 AAAA host"), (stored.Status, stored.PublicKey));
    }

    // ---- delete --------------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deleting_many_reports_each_id_on_its_own_and_a_missing_one_fails_with_NotFound(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var a = await portal.CreateInstanceAsync("alice-01", alice);
        var b = await portal.CreateInstanceAsync("alice-02", alice);
        var kept = await portal.CreateInstanceAsync("alice-03", alice);
        const int missing = 987_654;

        var results = await portal.Get<InstanceService>().DeleteAsync(await portal.AdminAsync(), [a.Id, missing, b.Id]);

        Assert.Equal(
            [new BulkItemResult("alice-01", true, null), new BulkItemResult("987654", false, "Error.NotFound"), new BulkItemResult("alice-02", true, null)],
            results);
        Assert.Equal([kept.Id], (await AllInstancesAsync(portal)).Select(i => i.Id));
    }

    // ---- list ----------------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_returns_the_requested_page_in_name_order_with_the_total(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        foreach (var name in new[] { "e-05", "a-01", "d-04", "b-02", "c-03" })
        {
            await portal.CreateInstanceAsync(name, alice);
        }

        var page = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery(Page: 1, PageSize: 2));

        Assert.Equal(5, page.TotalCount);
        Assert.Equal(["c-03", "d-04"], page.Items.Select(i => i.Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_sorted_by_name_descending_returns_the_last_names_first(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        foreach (var name in new[] { "b-02", "C-03", "a-01" })
        {
            await portal.CreateInstanceAsync(name, alice);
        }

        var page = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery(SortBy: InstanceSort.Name, Descending: true));

        Assert.Equal(["C-03", "b-02", "a-01"], page.Items.Select(i => i.Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_sorted_by_expiry_returns_the_soonest_first(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var admin = await portal.AdminAsync();
        var service = portal.Get<InstanceService>();
        foreach (var (name, days) in new[] { ("late", 300), ("soon", 10), ("middle", 100) })
        {
            Assert.True((await service.CreateAsync(admin, new NewInstance(name, alice.UserId, Quotas(Today.AddDays(days))))).Succeeded);
        }

        var page = await service.ListAsync(admin, new InstanceQuery(SortBy: InstanceSort.ExpiresOn));

        Assert.Equal(["soon", "middle", "late"], page.Items.Select(i => i.Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_filtered_by_status_returns_only_instances_in_that_status(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var admin = await portal.AdminAsync();
        var service = portal.Get<InstanceService>();
        await portal.CreateInstanceAsync("alice-01", alice);
        foreach (var name in new[] { "alice-02", "alice-03" })
        {
            var created = await portal.CreateInstanceAsync(name, alice);
            Assert.True((await service.UpdateAsync(admin, created.Id, created.ToQuotas() with { ExpiresOn = Today.AddDays(-3) }, created.Version)).Succeeded);
        }

        var page = await service.ListAsync(admin, new InstanceQuery(Status: InstanceStatus.EXPIRED));

        Assert.Equal(2, page.TotalCount);
        Assert.Equal(["alice-02", "alice-03"], page.Items.Select(i => i.Name));
        Assert.All(page.Items, i => Assert.Equal(InstanceStatus.EXPIRED, i.Status));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_filtered_by_owner_user_name_ignores_case_and_returns_only_that_owners_instances(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("a-01", alice);
        await portal.CreateInstanceAsync("b-01", bob);
        await portal.CreateInstanceAsync("b-02", bob);

        var page = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery(OwnerUserName: " BOB "));

        Assert.Equal(2, page.TotalCount);
        Assert.Equal(["b-01", "b-02"], page.Items.Select(i => i.Name));
        Assert.All(page.Items, i => Assert.Equal("bob", i.OwnerUserName));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_filtered_by_an_unknown_owner_returns_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("a-01", alice);

        var page = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery(OwnerUserName: "nobody"));

        Assert.Equal(0, page.TotalCount);
        Assert.Empty(page.Items);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_filtered_by_name_prefix_matches_the_start_of_the_name_ignoring_case(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        // Punctuation matters here: a locale collation would sort "web-" and "web." and "webx" together.
        foreach (var name in new[] { "web-01", "Web-02", "web.03", "webx", "we", "prod-web-01" })
        {
            await portal.CreateInstanceAsync(name, alice);
        }

        var page = await portal.Get<InstanceService>().ListAsync(await portal.AdminAsync(), new InstanceQuery(NamePrefix: "WEB-"));

        Assert.Equal(2, page.TotalCount);
        Assert.Equal(["web-01", "Web-02"], page.Items.Select(i => i.Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Listing_writes_nothing_to_the_database(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var writes = new WriteCounter();
        await using var portal = await PortalServices.StartAsync(provider, services => CountWrites(services, provider, writes));
        var alice = await portal.CreateUserAsync("alice");
        var admin = await portal.AdminAsync();
        var service = portal.Get<InstanceService>();
        var created = await portal.CreateInstanceAsync("alice-01", alice);
        await portal.CreateInstanceAsync("alice-02", alice);
        // One already past its expiry date but still TOUPLOAD: the old list page "fixed" such rows while listing.
        Assert.True((await service.UpdateAsync(admin, created.Id, created.ToQuotas() with { ExpiresOn = Today }, created.Version)).Succeeded);
        portal.Time.Advance(TimeSpan.FromDays(2));
        var before = await SnapshotAsync(portal);
        Assert.True(writes.Writes > 0, "the counter saw none of the arrange step's writes, so it would prove nothing");
        writes.Reset();

        foreach (var query in new InstanceQuery[] { new(), new(Status: InstanceStatus.TOUPLOAD), new(OwnerUserName: "alice"), new(NamePrefix: "alice"), new(SortBy: InstanceSort.UpdatedAt, Descending: true) })
        {
            Assert.Equal(2, (await service.ListAsync(admin, query)).TotalCount);
            Assert.Equal(2, (await service.ListAsync(alice, query)).TotalCount);
        }

        Assert.Equal(0, writes.Writes);
        Assert.Equal(before, await SnapshotAsync(portal));
    }

    // ---- who may see what ----------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_customer_cannot_get_another_customers_instance_by_id(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        var bobs = await portal.CreateInstanceAsync("bob-01", bob);

        var seen = await portal.Get<InstanceService>().GetAsync(alice, bobs.Id);

        Assert.Null(seen);
        Assert.NotNull(await portal.Get<InstanceService>().GetAsync(bob, bobs.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_customer_cannot_find_another_customers_instance_by_name(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("bob-01", bob);

        var seen = await portal.Get<InstanceService>().FindByNameAsync(alice, "BOB-01");

        Assert.Null(seen);
        Assert.NotNull(await portal.Get<InstanceService>().FindByNameAsync(bob, "BOB-01"));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_customer_cannot_create_update_or_delete_instances(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var own = await portal.CreateInstanceAsync("alice-01", alice);
        var before = await SnapshotAsync(portal);
        var service = portal.Get<InstanceService>();

        var create = await service.CreateAsync(alice, new NewInstance("alice-02", alice.UserId, Quotas()));
        var update = await service.UpdateAsync(alice, own.Id, own.ToQuotas() with { MaxDesktops = 999 }, own.Version);
        var delete = await service.DeleteAsync(alice, [own.Id]);

        Assert.Equal((Failure.Forbidden, Failure.Forbidden), (create.Failure, update.Failure));
        Assert.Equal([new BulkItemResult(own.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), false, "Error.Forbidden")], delete);
        Assert.Equal(before, await SnapshotAsync(portal));
    }

    // ---- helpers -------------------------------------------------------------------------------

    internal static void CountWrites(IServiceCollection services, DatabaseProvider provider, WriteCounter writes)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            services.ConfigureDbContext<SqliteAppDbContext>((_, o) => o.AddInterceptors(writes), ServiceLifetime.Singleton);
        }
        else
        {
            services.ConfigureDbContext<PostgresAppDbContext>((_, o) => o.AddInterceptors(writes), ServiceLifetime.Singleton);
        }
    }

    private static void AssertInvalid<T>(ServiceResult<T> result, params (string Field, string Code)[] expected)
    {
        Assert.Equal(Failure.Invalid, result.Failure);
        Assert.Equal(expected, result.Errors.Select(e => (e.Field, e.Code)));
    }

    internal static async Task<List<Instance>> AllInstancesAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Instances.AsNoTracking().OrderBy(i => i.Id).ToListAsync();
    }

    /// <summary>Every stored column of every instance, as one string to compare before and after.</summary>
    internal static async Task<string> SnapshotAsync(PortalServices portal) => JsonSerializer.Serialize(await AllInstancesAsync(portal));
}
