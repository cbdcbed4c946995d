using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Components;

/// <summary>
/// The instance page's host binding panel on the real page and services: a rebind request appears live, with what differs,
/// to an administrator, who approves it; the customer sees that the new host waits; the grid marks the row.
/// </summary>
public abstract class HostBindingPanelTestBase(string culture) : PortalComponentTest(culture)
{
    protected const string Name = "acme-01";
    protected const string SecondMac = "52:54:00:00:0b:0b";

    protected IRenderedComponent<MudDialogProvider> Dialogs { get; private set; } = default!;

    /// <summary>acme-01 owned by alice, bound to a first host.</summary>
    protected async Task<(PortalActor Alice, HostKey First)> BoundInstanceAsync()
    {
        var alice = await Portal.CreateUserAsync("alice");
        await Portal.CreateInstanceAsync(Name, alice);
        var first = HostKey.Generate();
        Assert.True((await Portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, first))).Value!.Accepted);
        return (alice, first);
    }

    protected Task<ServiceResult<HostInfoOutcome>> UploadSecondAsync(PortalActor actor, HostKey key) =>
        Portal.Get<HostInfoIntake>().UploadAsync(actor, Name, HostInfo(Name, key, SecondMac));

    protected IRenderedComponent<InstanceDetailPage> RenderPage(PortalActor viewer)
    {
        UseCulture();
        foreach (var service in new[] { typeof(HostInfoIntake), typeof(HostBinding), typeof(AgentDownloads), typeof(ActivationTokenService), typeof(HostCheckInService) })
        {
            Services.AddSingleton(service, Portal.Services.GetRequiredService(service));
        }
        Services.AddSingleton(Portal.Get<Microsoft.Extensions.Options.IOptions<LicensingOptions>>());
        SignInAs(viewer);
        Render<MudPopoverProvider>();
        Dialogs = Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        var page = Render<InstanceDetailPage>(p => p.Add(x => x.Name, Name));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#host-binding")));
        return page;
    }

    /// <summary>Clicks the message box's confirming button (its text is <paramref name="label"/>).</summary>
    protected void Confirm(string label) =>
        Dialogs.WaitForAssertion(() => Assert.Single(Dialogs.FindAll(".mud-dialog button"), b => b.TextContent.Trim() == label).Click());
}

public sealed class HostBindingPanelTests() : HostBindingPanelTestBase("en")
{
    [Fact]
    public async Task An_administrator_sees_a_rebind_request_arrive_live_with_what_differs_and_approves_it()
    {
        var (alice, first) = await BoundInstanceAsync();
        var page = RenderPage(await Portal.AdminAsync());
        Assert.Contains($"mac {Mac}", page.Find("#host-identifiers").TextContent, StringComparison.Ordinal);
        Assert.Equal("1", page.Find("#host-identifier-tolerance option[selected]").GetAttribute("value"));
        Assert.Empty(page.FindAll("#pending-host"));

        var second = HostKey.Generate();
        Assert.True((await UploadSecondAsync(alice, second)).Value!.Pending);

        page.WaitForAssertion(() => Assert.NotNull(page.Find("#pending-host")));
        Assert.Contains("alice uploaded host info for another host", page.Find("#pending-host-by").TextContent, StringComparison.Ordinal);
        Assert.Equal("true", page.Find("#pending-host-difference tr[data-field=fingerprint]").GetAttribute("data-changed"));
        Assert.Contains(second.Fingerprint, page.Find("#pending-host-difference tr[data-field=fingerprint]").TextContent, StringComparison.Ordinal);
        Assert.Equal("true", page.Find("#pending-host-difference tr[data-field=mac]").GetAttribute("data-changed"));
        Assert.Equal("false", page.Find("#pending-host-difference tr[data-field=serial]").GetAttribute("data-changed"));
        Assert.Equal($"Added: mac {SecondMac}", page.Find("#pending-host-added").TextContent);
        Assert.Equal($"Missing: mac {Mac}", page.Find("#pending-host-missing").TextContent);
        Assert.NotNull(page.Find("[data-rebind-pending]"));
        Assert.Contains(first.Fingerprint, page.Find("#host-details").TextContent, StringComparison.Ordinal);

        page.Find("#pending-host-approve").Click();
        Confirm("Approve");

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("#pending-host")));
        page.WaitForAssertion(() => Assert.Contains(second.Fingerprint, page.Find("#host-details").TextContent, StringComparison.Ordinal));
        Assert.Contains($"mac {SecondMac}", page.Find("#host-identifiers").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-rebind-pending]"));
        Assert.Equal(second.Fingerprint, (await SnapshotAsync(Portal.Services, Name)).HostKeyFingerprint);
    }

    [Fact]
    public async Task Cancelling_the_confirmation_changes_nothing_and_deny_keeps_the_first_host()
    {
        var (alice, first) = await BoundInstanceAsync();
        await UploadSecondAsync(alice, HostKey.Generate());
        var page = RenderPage(await Portal.AdminAsync());

        page.Find("#pending-host-approve").Click();
        Confirm("Cancel");
        Assert.NotNull((await Portal.Get<HostBinding>().GetAsync(alice, Name))!.Pending);

        page.Find("#pending-host-deny").Click();
        Confirm("Deny");

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("#pending-host")));
        Assert.Equal(first.Fingerprint, (await SnapshotAsync(Portal.Services, Name)).HostKeyFingerprint);
    }

    [Fact]
    public async Task The_customer_sees_that_the_new_host_waits_for_approval_without_the_administrators_controls()
    {
        var (alice, _) = await BoundInstanceAsync();
        var page = RenderPage(alice);

        await UploadSecondAsync(alice, HostKey.Generate());

        page.WaitForAssertion(() => Assert.Contains("waiting for an administrator's approval", page.Find("#pending-host-waiting").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("#pending-host-approve"));
        Assert.Empty(page.FindAll("#host-identifier-tolerance"));
        Assert.Equal("Tolerance: All but 1", page.Find("#host-identifier-tolerance-shown").TextContent.Trim());
    }

    [Fact]
    public async Task An_administrator_chooses_the_tolerance_from_strict_to_all_but_4()
    {
        await BoundInstanceAsync();
        var page = RenderPage(await Portal.AdminAsync());
        var options = page.FindAll("#host-identifier-tolerance option").Select(o => o.TextContent).ToList();
        Assert.Equal(["Strict: every identifier", "All but 1", "All but 2", "All but 3", "All but 4"], options);

        page.Find("#host-identifier-tolerance").Change("0");

        page.WaitForAssertion(() => Assert.Equal("A license needs 2 of these 2 identifiers on the host.", page.Find("#host-identifiers-required").TextContent));
        Assert.Equal(0, (await Portal.Get<HostBinding>().GetAsync(await Portal.AdminAsync(), Name))!.Tolerance);
    }

    [Fact]
    public async Task The_grid_marks_an_instance_with_a_pending_rebind_after_its_state()
    {
        var (alice, _) = await BoundInstanceAsync();
        SignInAs(await Portal.AdminAsync());
        RenderProviders();
        var grid = Render<InstancesPage>();
        grid.WaitForAssertion(() => Assert.Single(grid.FindAll("#instances-grid .status-badge")));
        Assert.Empty(grid.FindAll("[data-rebind-pending]"));

        await UploadSecondAsync(alice, HostKey.Generate());

        grid.WaitForAssertion(() => Assert.Equal("New host waiting for approval", grid.Find("#instances-grid [data-rebind-pending]").GetAttribute("title")));
        Assert.Equal("TODOWNLOAD", grid.Find("#instances-grid .status-badge").GetAttribute("data-status"));
    }
}

public sealed class HostBindingPanelChineseTests() : HostBindingPanelTestBase("zh-Hans")
{
    [Fact]
    public async Task The_pending_host_and_its_buttons_are_in_chinese()
    {
        var (alice, _) = await BoundInstanceAsync();
        await UploadSecondAsync(alice, HostKey.Generate());

        var page = RenderPage(await Portal.AdminAsync());

        Assert.Contains("新主机待批准", page.Find("#pending-host").TextContent, StringComparison.Ordinal);
        Assert.Equal("批准", page.Find("#pending-host-approve").TextContent.Trim());
        Assert.Equal("严格：全部标识", page.Find("#host-identifier-tolerance option[value='0']").TextContent);
    }
}
