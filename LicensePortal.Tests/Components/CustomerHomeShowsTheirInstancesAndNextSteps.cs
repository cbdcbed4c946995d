using Bunit;
using LicensePortal.Components.Pages;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Components;

/// <summary>
/// The home page of a signed-in customer: their own instances (no one else's), each with its state and the next step
/// for that state as a link to the instance's page, in the viewer's language. Administrators keep the dashboard.
/// </summary>
public abstract class CustomerHomeShowsTheirInstancesAndNextStepsBase(string culture) : PortalComponentTest(culture)
{
    /// <summary>Per state (in the order the instances are named): the chip's label and the next step's text.</summary>
    protected abstract IReadOnlyDictionary<InstanceStatus, (string Label, string Next)> Expected { get; }

    protected abstract string Title { get; }

    [Fact]
    public async Task A_customer_sees_each_of_their_instances_with_its_state_and_next_step_and_not_another_customers()
    {
        var customer = await Portal.CreateUserAsync("acme");
        var other = await Portal.CreateUserAsync("globex");
        await Portal.CreateInstanceAsync("a-upload", customer);
        await InStateAsync(await Portal.CreateInstanceAsync("b-refused", customer), InstanceStatus.INFOERROR, "HostInfo.BadCheckCode");
        await InStateAsync(await Portal.CreateInstanceAsync("c-ready", customer), InstanceStatus.TODOWNLOAD, "");
        await InStateAsync(await Portal.CreateInstanceAsync("d-paused", customer), InstanceStatus.DOWNLOADERROR, InstanceLifecycle.TooManyDownloads);
        await InStateAsync(await Portal.CreateInstanceAsync("e-expired", customer), InstanceStatus.EXPIRED, "", new DateOnly(2026, 11, 1));
        await Portal.CreateInstanceAsync("z-globex", other);
        var home = RenderHome(customer);

        home.WaitForAssertion(() => Assert.Equal(5, home.FindAll(".my-instance").Count));
        Assert.Equal(Title, Assert.Single(home.FindAll("h1")).TextContent.Trim());
        Assert.Equal(["a-upload", "b-refused", "c-ready", "d-paused", "e-expired"], home.FindAll(".my-instance").Select(e => e.GetAttribute("data-instance")));
        Assert.DoesNotContain("z-globex", home.Markup, StringComparison.Ordinal);
        Assert.Empty(home.FindAll("#expiring-soon, #recent-activity"));
        foreach (var item in home.FindAll(".my-instance"))
        {
            var name = item.GetAttribute("data-instance")!;
            var status = Enum.Parse<InstanceStatus>(item.QuerySelector(".status-badge")!.GetAttribute("data-status")!);
            var next = item.QuerySelector("a.next-step")!;
            Assert.Equal(Expected[status].Label, item.QuerySelector(".status-badge")!.TextContent.Trim());
            Assert.Equal(Expected[status].Next, next.TextContent.Trim());
            Assert.Equal($"instances/{name}", next.GetAttribute("href"));
        }
        Assert.Equal(Enum.GetValues<InstanceStatus>().Order(), home.FindAll(".status-badge").Select(b => Enum.Parse<InstanceStatus>(b.GetAttribute("data-status")!)).Order());
    }

    [Fact]
    public async Task An_administrator_keeps_the_dashboard()
    {
        var customer = await Portal.CreateUserAsync("acme");
        await Portal.CreateInstanceAsync("a-upload", customer);

        var home = RenderHome(await Portal.AdminAsync());

        home.WaitForAssertion(() => Assert.NotEmpty(home.FindAll("#recent-activity")));
        Assert.Empty(home.FindAll(".my-instance"));
        Assert.NotEqual(Title, Assert.Single(home.FindAll("h1")).TextContent.Trim());
    }

    private IRenderedComponent<Home> RenderHome(PortalActor actor)
    {
        UseCulture();
        Services.AddSingleton(Portal.Get<DashboardService>());
        SignInAs(actor);
        RenderProviders();
        return Render<Home>();
    }

    /// <summary>Puts the instance in a state as the portal's rules leave it (the rules themselves are tested in Services/).</summary>
    private async Task InStateAsync(InstanceRow instance, InstanceStatus status, string reason, DateOnly? expiresOn = null)
    {
        await using var db = await Portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.Instances.Where(i => i.Id == instance.Id).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.Status, status)
            .SetProperty(i => i.StatusReason, reason)
            .SetProperty(i => i.StatusChangedAt, new DateTime(2026, 11, 28, 8, 55, 0, DateTimeKind.Utc))
            .SetProperty(i => i.ExpiresOn, expiresOn ?? instance.ExpiresOn));
    }
}

public sealed class CustomerHomeShowsTheirInstancesAndNextSteps() : CustomerHomeShowsTheirInstancesAndNextStepsBase("en")
{
    protected override string Title => "Your instances";

    protected override IReadOnlyDictionary<InstanceStatus, (string Label, string Next)> Expected { get; } = new Dictionary<InstanceStatus, (string, string)>
    {
        [InstanceStatus.TOUPLOAD] = ("Host info not uploaded", "Upload the host info file."),
        [InstanceStatus.INFOERROR] = ("Host info tampered", "The last file was refused: The check code does not match: the host info file was edited after the agent wrote it. Upload a new one."),
        [InstanceStatus.TODOWNLOAD] = ("Latest license ready", "Download the license."),
        [InstanceStatus.DOWNLOADERROR] = ("Download error", "Downloads are paused: Too many downloads in a short time; downloads are paused until 2026-11-28 09:05:00 UTC."),
        [InstanceStatus.EXPIRED] = ("Expired", "Expired on 2026-11-01: contact the vendor to renew."),
    };
}

public sealed class CustomerHomeShowsTheirInstancesAndNextStepsInChinese() : CustomerHomeShowsTheirInstancesAndNextStepsBase("zh-Hans")
{
    protected override string Title => "我的实例";

    protected override IReadOnlyDictionary<InstanceStatus, (string Label, string Next)> Expected { get; } = new Dictionary<InstanceStatus, (string, string)>
    {
        [InstanceStatus.TOUPLOAD] = ("未上传主机信息", "上传主机信息文件。"),
        [InstanceStatus.INFOERROR] = ("主机信息被篡改", "上次上传的文件被拒绝：校验码不匹配：主机信息文件在生成后被修改过。请上传新的主机信息文件。"),
        [InstanceStatus.TODOWNLOAD] = ("可下载最新 License", "下载许可文件。"),
        [InstanceStatus.DOWNLOADERROR] = ("下载异常", "下载已暂停：短时间内下载次数过多，下载已暂停至 UTC 2026-11-28 09:05:00。"),
        [InstanceStatus.EXPIRED] = ("实例已过期", "已于 2026-11-01 到期：请联系供应商续期。"),
    };
}
