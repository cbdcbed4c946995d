using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Services;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Components;

/// <summary>The instance page's line about the host's last check-in, over the real service and notifier.</summary>
public abstract class HostCheckInLineTestBase(string culture) : PortalComponentTest(culture)
{
    protected HostCheckInService CheckIns => Portal.Get<HostCheckInService>();

    protected async Task<(IRenderedComponent<HostCheckInLine> Line, PortalActor Owner)> RenderAsync()
    {
        var owner = await Portal.CreateUserAsync("owner");
        await Portal.CreateInstanceAsync("acme-01", owner);
        UseCulture();
        Services.AddSingleton(CheckIns);
        SignInAs(owner);
        var line = Render<HostCheckInLine>(p => p.Add(x => x.InstanceName, "acme-01"));
        line.WaitForAssertion(() => Assert.Single(line.FindAll("#host-check-in")));
        return (line, owner);
    }

    protected static string Text(IRenderedComponent<HostCheckInLine> line) => line.Find("#host-check-in").TextContent.Trim();
}

public sealed class HostCheckInLineTests() : HostCheckInLineTestBase("en")
{
    [Fact]
    public async Task A_host_that_never_checked_in_is_said_so()
    {
        var (line, _) = await RenderAsync();

        Assert.Equal("The host agent has not checked in yet: it does at every activate and renew.", Text(line));
        Assert.Equal("never", line.Find("#host-check-in").GetAttribute("data-seen"));
    }

    [Fact]
    public async Task A_check_in_shows_live_as_last_seen_revision_and_agent()
    {
        var (line, owner) = await RenderAsync();

        await CheckIns.RecordAsync(owner, "acme-01", new HostCheckInReport("1.4.0+abc", 3));

        line.WaitForAssertion(() => Assert.Equal("Last seen 2026-11-28 09:00:00 UTC, revision 3, agent 1.4.0+abc", Text(line)));
        Assert.Equal("seen", line.Find("#host-check-in").GetAttribute("data-seen"));
    }

    [Fact]
    public async Task A_host_without_a_license_installed_is_shown_as_such()
    {
        var (line, owner) = await RenderAsync();
        Portal.Time.Advance(TimeSpan.FromMinutes(90));

        await CheckIns.RecordAsync(owner, "acme-01", new HostCheckInReport("1.4.0", null));

        line.WaitForAssertion(() => Assert.Equal("Last seen 2026-11-28 10:30:00 UTC, no license installed, agent 1.4.0", Text(line)));
    }

    [Fact]
    public async Task Markup_in_a_reported_version_is_shown_as_text()
    {
        var (line, owner) = await RenderAsync();

        await CheckIns.RecordAsync(owner, "acme-01", new HostCheckInReport("<b>1</b>", 1));

        line.WaitForAssertion(() => Assert.Contains("agent <b>1</b>", Text(line), StringComparison.Ordinal));
        Assert.Empty(line.FindAll("#host-check-in b"));
    }
}

public sealed class HostCheckInLineInChineseTests() : HostCheckInLineTestBase("zh-Hans")
{
    [Fact]
    public async Task A_host_that_never_checked_in_is_said_so_in_Chinese()
    {
        var (line, _) = await RenderAsync();

        Assert.Equal("主机代理尚未签到：每次执行 activate 或 renew 时都会签到。", Text(line));
    }

    [Fact]
    public async Task A_check_in_shows_live_in_Chinese()
    {
        var (line, owner) = await RenderAsync();

        await CheckIns.RecordAsync(owner, "acme-01", new HostCheckInReport("1.4.0", 3));
        line.WaitForAssertion(() => Assert.Equal("最近在线 2026-11-28 09:00:00 UTC，License 版本 3，代理版本 1.4.0", Text(line)));

        await CheckIns.RecordAsync(owner, "acme-01", new HostCheckInReport("1.4.0", null));
        line.WaitForAssertion(() => Assert.Equal("最近在线 2026-11-28 09:00:00 UTC，未安装 License，代理版本 1.4.0", Text(line)));
    }
}
