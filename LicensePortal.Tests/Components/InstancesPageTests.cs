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
        var (page, admin, instance) = await RenderWithOneInstanceAsync();

        // Another portal node saves first (its notification does not reach this one).
        await using (var db = await Portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Instances.Where(i => i.Id == instance.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.MaxDesktops, 77).SetProperty(i => i.Version, Guid.NewGuid()));
        }
        ChangeCell(page.Find(DesktopsCell), "15");

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
        var (page, admin, instance) = await RenderWithOneInstanceAsync();

        ChangeCell(page.Find(DesktopsCell), "42");

        await WaitUntilAsync(async () => (await Portal.Get<InstanceService>().GetAsync(admin, instance.Id))!.MaxDesktops == 42);
        Assert.Empty(page.FindAll("#conflict-message"));
    }

    [Fact]
    public async Task An_expiry_date_typed_as_yyyy_MM_dd_is_saved_and_any_other_text_is_refused_on_its_cell()
    {
        var (page, admin, instance) = await RenderWithOneInstanceAsync();
        var target = instance.ExpiresOn.AddMonths(3);

        // A date as another locale writes it, or one that does not exist: refused on the cell, nothing saved.
        foreach (var typed in new[] { target.ToString("MM/dd/yyyy", System.Globalization.CultureInfo.InvariantCulture), "2031-02-30", "" })
        {
            ChangeCell(page.Find("input[data-field=ExpiresOn]"), typed);
            page.WaitForAssertion(() => Assert.Equal("Enter the date as yyyy-MM-dd, for example 2031-12-31.", page.Find("td.cell-refused .cell-refused-message").TextContent));
            Assert.Equal("true", page.Find("input[data-field=ExpiresOn]").GetAttribute("aria-invalid"));
            Assert.Equal(typed, page.Find("input[data-field=ExpiresOn]").GetAttribute("value"));
            var stored = await Portal.Get<InstanceService>().GetAsync(admin, instance.Id);
            Assert.Equal(instance.ExpiresOn, stored!.ExpiresOn);
            Assert.Equal(instance.Version, stored.Version);
        }

        ChangeCell(page.Find("input[data-field=ExpiresOn]"), target.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await WaitUntilAsync(async () => (await Portal.Get<InstanceService>().GetAsync(admin, instance.Id))!.ExpiresOn == target);
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".cell-refused-message")));
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
        var page = await RenderWithInstancesAsync(12);
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

    [Fact]
    public async Task A_quota_that_is_not_a_whole_number_is_not_saved_and_the_cell_says_why()
    {
        var (page, admin, instance) = await RenderWithOneInstanceAsync();
        var before = page.Find(DesktopsCell);

        ChangeCell(before, "12abc");

        // The cell is drawn anew as a refused cell: the typed text, marked invalid, with the rule's message on it.
        page.WaitForAssertion(() => Assert.Equal("Enter a whole number from 0 to 100000.", page.Find("td.cell-refused .cell-refused-message").TextContent));
        Assert.Equal("true", page.Find(DesktopsCell).GetAttribute("aria-invalid"));
        Assert.Equal("12abc", page.Find(DesktopsCell).GetAttribute("value"));
        var stored = await Portal.Get<InstanceService>().GetAsync(admin, instance.Id);
        Assert.Equal(10, stored!.MaxDesktops);
        Assert.Equal(instance.Version, stored.Version);

        // A whole number typed next is saved, and the message goes.
        ChangeCell(page.Find(DesktopsCell), "12");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".cell-refused-message")));
        Assert.Equal(12, (await Portal.Get<InstanceService>().GetAsync(admin, instance.Id))!.MaxDesktops);
    }

    [Fact]
    public async Task A_cell_event_for_a_row_the_page_does_not_show_or_an_unknown_field_changes_nothing()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var shown = await Portal.CreateInstanceAsync("acme-01", owner, desktops: 10);
        var hidden = await Portal.CreateInstanceAsync("other-01", owner, desktops: 10);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Names(page).Count));
        page.Find("#filter-name").Input("acme");
        page.WaitForAssertion(() => Assert.Equal(["acme-01"], Names(page)), TimeSpan.FromSeconds(5));
        var body = page.Find("#instances-grid tbody");

        // What a forged browser message could say: a row filtered out of the page, a field that is not a quota, no row.
        body.TriggerEvent("ongridcellchange", new GridCellEventArgs { Row = hidden.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Field = "MaxDesktops", Value = "99" });
        body.TriggerEvent("ongridcellchange", new GridCellEventArgs { Row = shown.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Field = "OwnerId", Value = "99" });
        body.TriggerEvent("ongridcellchange", new GridCellEventArgs { Row = "not-a-row", Field = "MaxDesktops", Value = "99" });
        body.TriggerEvent("ongridcellchange", new GridCellEventArgs { Row = hidden.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Field = "ExpiresOn", Value = "2099-01-01" });

        var service = Portal.Get<InstanceService>();
        Assert.Equal(shown.Version, (await service.GetAsync(admin, shown.Id))!.Version);
        Assert.Equal(hidden.Version, (await service.GetAsync(admin, hidden.Id))!.Version);
    }

    [Fact]
    public async Task An_administrators_page_of_25_editable_rows_stays_under_1024_render_tree_frames()
    {
        var page = await RenderWithInstancesAsync(25);

        // The page's tree is held twice per open page, in buffers of a power of two frames (40 bytes each): at 1,024 or
        // fewer, each is 40 KB instead of 80 KB (docs/performance.md, issue 5).
#pragma warning disable BL0006 // the render tree's own types, read to count what the page holds
        var frames = CurrentFrames(Renderer, page.ComponentId).Count;
#pragma warning restore BL0006
        Assert.InRange(frames, 25 * 10, 1024);
    }

#pragma warning disable BL0006 // the render tree's own types, read to count what the page holds
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = "GetCurrentRenderTreeFrames")]
    private static extern Microsoft.AspNetCore.Components.RenderTree.ArrayRange<Microsoft.AspNetCore.Components.RenderTree.RenderTreeFrame> CurrentFrames(
        Microsoft.AspNetCore.Components.RenderTree.Renderer renderer, int componentId);
#pragma warning restore BL0006

    /// <summary>
    /// What the browser does when a cell's input changes: portal.js turns the change into the table body's
    /// gridcellchange, with the row's data-id, the input's data-quota or data-field, and its text.
    /// </summary>
    private static void ChangeCell(AngleSharp.Dom.IElement input, string value) =>
        input.Closest("tbody")!.TriggerEvent("ongridcellchange", CellArgs(input, value));

    private static GridCellEventArgs CellArgs(AngleSharp.Dom.IElement input, string value) => new()
    {
        Row = input.Closest("tr[data-id]")!.GetAttribute("data-id"),
        Field = input.GetAttribute("data-quota") ?? input.GetAttribute("data-field"),
        Value = value,
    };

    /// <summary>An administrator's page showing one editable row, instance acme-01 with 10 desktops.</summary>
    private async Task<(IRenderedComponent<InstancesPage> Page, PortalActor Admin, InstanceRow Instance)> RenderWithOneInstanceAsync()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        var instance = await Portal.CreateInstanceAsync("acme-01", owner, desktops: 10);
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll(DesktopsCell)));
        return (page, admin, instance);
    }

    /// <summary>An administrator's page over <paramref name="count"/> instances acme-01, acme-02, ..., once it shows them all.</summary>
    private async Task<IRenderedComponent<InstancesPage>> RenderWithInstancesAsync(int count)
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        for (var i = 1; i <= count; i++)
        {
            await Portal.CreateInstanceAsync($"acme-{i:00}", owner);
        }
        SignInAs(admin);
        RenderProviders();
        var page = Render<InstancesPage>();
        page.WaitForAssertion(() => Assert.Equal(count, Names(page).Count));
        return page;
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
