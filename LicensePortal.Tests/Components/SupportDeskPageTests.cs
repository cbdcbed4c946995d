using Bunit;
using LicensePortal.Components.Pages.Support;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LicensePortal.Tests.Components;

/// <summary>The support desk's "last seen" column and its "not seen for N days" filter.</summary>
public sealed class SupportDeskPageTests : PortalComponentTest
{
    [Fact]
    public async Task The_desk_shows_when_each_host_was_last_seen_and_filters_the_hosts_not_seen_for_N_days()
    {
        var owner = await Portal.CreateUserAsync("owner");
        var support = await Portal.CreateUserAsync("helpdesk", PortalRole.Support);
        await Portal.CreateInstanceAsync("quiet-01", owner);
        await Portal.CreateInstanceAsync("busy-01", owner);
        await Portal.CreateInstanceAsync("never-01", owner);
        var checkIns = Portal.Get<HostCheckInService>();
        await checkIns.RecordAsync(owner, "quiet-01", new HostCheckInReport("1.0.0", 2));
        Portal.Time.Advance(TimeSpan.FromDays(8));
        await checkIns.RecordAsync(owner, "busy-01", new HostCheckInReport("1.1.0", null));
        Services.AddSingleton(Portal.Get<DashboardService>());
        SignInAs(support);
        RenderProviders();

        var desk = Render<SupportDeskPage>();
        desk.WaitForAssertion(() => Assert.Equal(3, desk.FindAll("#support-board tbody tr").Count));

        Assert.Contains("Last seen (UTC)", desk.Find("#support-board thead").TextContent, StringComparison.Ordinal);
        Assert.Equal("2026-11-28 09:00:00", Cell(desk, "quiet-01").TextContent.Trim());
        Assert.Equal("Revision 2, agent 1.0.0", Cell(desk, "quiet-01").GetAttribute("title"));
        Assert.Equal("No license installed, agent 1.1.0", Cell(desk, "busy-01").GetAttribute("title"));
        Assert.Equal("never", Cell(desk, "never-01").TextContent.Trim());

        var filter = desk.FindComponent<MudSelect<int?>>();
        await desk.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync(7));

        desk.WaitForAssertion(() => Assert.Equal(["quiet-01"], desk.FindAll("#support-board tbody tr").Select(r => r.QuerySelector("td")!.TextContent.Trim())));
        await desk.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync(null));
        desk.WaitForAssertion(() => Assert.Equal(3, desk.FindAll("#support-board tbody tr").Count));
    }

    private static AngleSharp.Dom.IElement Cell(IRenderedComponent<SupportDeskPage> desk, string instance) =>
        desk.FindAll("#support-board tbody tr").Single(r => r.QuerySelector("td")!.TextContent.Trim() == instance).QuerySelector("td.last-seen")!;
}
