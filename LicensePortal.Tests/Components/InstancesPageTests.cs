using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Components;

public sealed class InstancesPageTests : PortalComponentTest
{
    private const string DesktopsCell = "input[data-quota=MaxDesktops], [data-quota=MaxDesktops] input";

    [Fact]
    public async Task A_save_over_someone_elses_change_is_refused_with_the_current_values()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var instance = await Portal.CreateInstanceAsync("acme-01", owner, desktops: 10);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll(DesktopsCell)));

        // Another portal node saves first (its notification does not reach this one).
        await using (var db = await Portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Instances.Where(i => i.Id == instance.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.MaxDesktops, 77).SetProperty(i => i.Version, Guid.NewGuid()));
        }
        page.Find(DesktopsCell).Change("15");

        page.WaitForAssertion(() =>
        {
            var alert = page.Find("#conflict-message").TextContent;
            Assert.Contains("acme-01 was changed by someone else", alert);
            Assert.Contains("desktops 77", alert);
        });
        var stored = await Portal.Get<InstanceService>().GetAsync(admin, instance.Id);
        Assert.Equal(77, stored!.MaxDesktops);
        page.WaitForAssertion(() => Assert.Equal("77", page.Find(DesktopsCell).GetAttribute("value")));
    }

    [Fact]
    public async Task An_edit_in_the_grid_saves_the_quota()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var instance = await Portal.CreateInstanceAsync("acme-01", owner, desktops: 10);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll(DesktopsCell)));

        page.Find(DesktopsCell).Change("42");

        await WaitUntilAsync(async () => (await Portal.Get<InstanceService>().GetAsync(admin, instance.Id))!.MaxDesktops == 42);
        Assert.Empty(page.FindAll("#conflict-message"));
    }

    [Fact]
    public async Task An_expiry_date_in_the_grid_is_saved_when_the_cell_is_left_not_while_typing()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var instance = await Portal.CreateInstanceAsync("acme-01", owner);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("input[data-field=ExpiresOn]")));
        var target = instance.ExpiresOn.AddMonths(3);

        // A date input reports a complete date while the year is still being typed: nothing is saved yet.
        page.Find("input[data-field=ExpiresOn]").Change(target.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(instance.ExpiresOn, (await Portal.Get<InstanceService>().GetAsync(admin, instance.Id))!.ExpiresOn);

        page.Find("input[data-field=ExpiresOn]").Blur();
        await WaitUntilAsync(async () => (await Portal.Get<InstanceService>().GetAsync(admin, instance.Id))!.ExpiresOn == target);
    }

    [Fact]
    public async Task The_grid_shows_a_change_made_elsewhere_and_unsubscribes_when_closed()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var instance = await Portal.CreateInstanceAsync("acme-01", owner, desktops: 10);
        var notifier = Portal.Get<InstanceChangeNotifier>();
        var before = notifier.SubscriberCount;
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal("10", page.Find(DesktopsCell).GetAttribute("value")));
        Assert.Equal(before + 1, notifier.SubscriberCount);

        await Portal.Get<InstanceService>().UpdateAsync(admin, instance.Id, instance.ToQuotas() with { MaxDesktops = 31 }, instance.Version);

        page.WaitForAssertion(() => Assert.Equal("31", page.Find(DesktopsCell).GetAttribute("value")));
        await DisposeComponentsAsync();
        Assert.Equal(before, notifier.SubscriberCount);
    }

    [Fact]
    public async Task A_live_refresh_keeps_the_rows_so_a_selected_row_stays_selected()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        await Portal.CreateInstanceAsync("acme-01", owner);
        var other = await Portal.CreateInstanceAsync("acme-02", owner, desktops: 10);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(DesktopsCell).Count));
        page.Find("#instances-grid tbody tr input[type=checkbox]").Change(true);
        page.WaitForAssertion(() => Assert.True(page.Find("#instances-grid tbody tr input[type=checkbox]").HasAttribute("checked")));

        // Someone else changes the other row: the grid reloads, and the first row is still the selected row object.
        await Portal.Get<InstanceService>().UpdateAsync(admin, other.Id, other.ToQuotas() with { MaxDesktops = 31 }, other.Version);

        page.WaitForAssertion(() => Assert.Equal("31", page.FindAll(DesktopsCell)[1].GetAttribute("value")));
        Assert.True(page.Find("#instances-grid tbody tr input[type=checkbox]").HasAttribute("checked"));
    }

    [Fact]
    public async Task A_customer_sees_only_their_own_instances_read_only()
    {
        var alice = await Portal.CreateUserAsync("alice");
        var bob = await Portal.CreateUserAsync("bob");
        await Portal.CreateInstanceAsync("alice-01", alice);
        await Portal.CreateInstanceAsync("bob-01", bob);
        SignInAs(alice);
        RenderProviders();
        var page = Render<InstancesPage>();

        page.WaitForAssertion(() => Assert.Contains("alice-01", page.Find("#instances-grid").TextContent));
        Assert.DoesNotContain("bob-01", page.Find("#instances-grid").TextContent);
        Assert.Empty(page.FindAll(DesktopsCell));
        Assert.Empty(page.FindAll("#instances-create"));
        Assert.Empty(page.FindAll("#instances-delete"));
    }

    [Fact]
    public async Task A_header_sorts_the_rows_and_a_second_click_reverses_them()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var b = await Portal.CreateInstanceAsync("acme-b", owner);
        await Portal.CreateInstanceAsync("acme-a", owner);
        var c = await Portal.CreateInstanceAsync("acme-c", owner);
        await SetAsync(b.Id, downloads: 5);
        await SetAsync(c.Id, downloads: 9);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(["acme-a", "acme-b", "acme-c"], Names(page)));

        page.Find("th [data-sort=Name]").Click();
        page.WaitForAssertion(() => Assert.Equal(["acme-c", "acme-b", "acme-a"], Names(page)));
        Assert.Equal("descending", page.Find("[data-sort=Name]").ParentElement!.GetAttribute("aria-sort"));

        page.Find("th [data-sort=DownloadCount]").Click();
        page.WaitForAssertion(() => Assert.Equal(["acme-a", "acme-b", "acme-c"], Names(page)));
        page.Find("th [data-sort=DownloadCount]").Click();
        page.WaitForAssertion(() => Assert.Equal(["acme-c", "acme-b", "acme-a"], Names(page)));
        Assert.Equal("descending", page.Find("[data-sort=DownloadCount]").ParentElement!.GetAttribute("aria-sort"));
        Assert.Null(page.Find("[data-sort=Name]").ParentElement!.GetAttribute("aria-sort"));
    }

    [Fact]
    public async Task The_pager_pages_through_the_rows_and_says_which_are_shown()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        for (var i = 1; i <= 12; i++)
        {
            await Portal.CreateInstanceAsync($"acme-{i:00}", owner);
        }
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(12, Names(page).Count));
        Assert.Equal("1-12 of 12", page.Find("#instances-pager-info").TextContent);
        Assert.True(page.Find("#instances-next").HasAttribute("disabled"));

        page.Find("#instances-page-size").Change("10");
        page.WaitForAssertion(() => Assert.Equal(10, Names(page).Count));
        Assert.Equal("1-10 of 12", page.Find("#instances-pager-info").TextContent);
        Assert.True(page.Find("#instances-previous").HasAttribute("disabled"));

        page.Find("#instances-next").Click();
        page.WaitForAssertion(() => Assert.Equal(["acme-11", "acme-12"], Names(page)));
        Assert.Equal("11-12 of 12", page.Find("#instances-pager-info").TextContent);
        Assert.True(page.Find("#instances-next").HasAttribute("disabled"));
        Assert.True(page.Find("#instances-last").HasAttribute("disabled"));

        page.Find("#instances-first").Click();
        page.WaitForAssertion(() => Assert.Equal("acme-01", Names(page)[0]));
        Assert.Equal("1-10 of 12", page.Find("#instances-pager-info").TextContent);
    }

    [Fact]
    public async Task The_status_filter_shows_only_rows_in_that_state()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        await Portal.CreateInstanceAsync("acme-01", owner);
        var expired = await Portal.CreateInstanceAsync("acme-02", owner);
        await SetAsync(expired.Id, status: InstanceStatus.EXPIRED);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Names(page).Count));

        page.Find("#filter-status").Change(nameof(InstanceStatus.EXPIRED));

        page.WaitForAssertion(() => Assert.Equal(["acme-02"], Names(page)));
        Assert.Equal("EXPIRED", page.Find("#instances-grid tbody .status-badge").GetAttribute("data-status"));

        page.Find("#filter-status").Change("");
        page.WaitForAssertion(() => Assert.Equal(2, Names(page).Count));
    }

    [Fact]
    public async Task The_name_filter_queries_once_typing_pauses()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        await Portal.CreateInstanceAsync("acme-01", owner);
        await Portal.CreateInstanceAsync("beta-01", owner);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Names(page).Count));

        page.Find("#filter-name").Input("be");

        Assert.Equal(2, Names(page).Count); // not at once: the filter waits for the typing to pause
        page.WaitForAssertion(() => Assert.Equal(["beta-01"], Names(page)), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Select_all_selects_the_rows_of_the_page_and_clears_them_again()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        await Portal.CreateInstanceAsync("acme-01", owner);
        await Portal.CreateInstanceAsync("acme-02", owner);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Names(page).Count));
        Assert.True(page.Find("#instances-delete").HasAttribute("disabled"));

        page.Find("#instances-grid thead input[type=checkbox]").Change(true);

        page.WaitForAssertion(() => Assert.All(page.FindAll("#instances-grid tbody tr input[type=checkbox]"), c => Assert.True(c.HasAttribute("checked"))));
        Assert.Contains("(2)", page.Find("#instances-delete").TextContent);
        Assert.False(page.Find("#instances-delete").HasAttribute("disabled"));
        Assert.True(page.Find("#instances-grid thead input[type=checkbox]").HasAttribute("checked"));

        page.Find("#instances-grid thead input[type=checkbox]").Change(false);
        page.WaitForAssertion(() => Assert.All(page.FindAll("#instances-grid tbody tr input[type=checkbox]"), c => Assert.False(c.HasAttribute("checked"))));
        Assert.True(page.Find("#instances-delete").HasAttribute("disabled"));
    }

    private static List<string> Names(IRenderedComponent<InstancesPage> page) =>
        page.FindAll("#instances-grid tbody tr a.instance-link").Select(a => a.TextContent).ToList();

    /// <summary>Sets what no page of the portal edits (the state the licensing flow moves, the download count).</summary>
    private async Task SetAsync(int id, InstanceStatus? status = null, int? downloads = null)
    {
        await using var db = await Portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        if (status is { } s)
        {
            await db.Instances.Where(i => i.Id == id).ExecuteUpdateAsync(u => u.SetProperty(i => i.Status, s));
        }
        if (downloads is { } d)
        {
            await db.Instances.Where(i => i.Id == id).ExecuteUpdateAsync(u => u.SetProperty(i => i.DownloadCount, d));
        }
    }

    /// <summary>Polls a condition the UI's async save makes true; bounded, so a broken save fails the test.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("the condition never became true");
    }
}
