using System.Security.Cryptography;
using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LicensePortal.Tests.Components;

/// <summary>The instance page's host agent panel with the portal's real AgentDownloads over its default directory (data/agent beside the app).</summary>
public abstract class HostAgentPanelTestBase(string culture) : PortalComponentTest(culture)
{
    protected AgentDownloads Agents => Portal.Get<AgentDownloads>();

    /// <summary>Puts a stand-in for the published executable where an administrator's `dotnet publish -o` puts it; returns its SHA-256.</summary>
    protected string Publish(int size = 50_000)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        Directory.CreateDirectory(Agents.Directory);
        File.WriteAllBytes(Agents.FilePath, bytes);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    protected IRenderedComponent<HostAgentPanel> RenderPanel(string instance, bool canChange = true, bool administrator = true)
    {
        UseCulture();
        Services.AddSingleton(Agents);
        RenderProviders();
        return Render<HostAgentPanel>(p => p.Add(x => x.InstanceName, instance).Add(x => x.CanChange, canChange).Add(x => x.ShowPublishCommand, administrator));
    }

    protected static string Command(IRenderedComponent<HostAgentPanel> panel, string step) => panel.Find($"#agent-command-{step}").TextContent;
}

public sealed class HostAgentPanelTests() : HostAgentPanelTestBase("en")
{
    [Fact]
    public void The_default_download_directory_is_data_agent_beside_the_app() =>
        Assert.Equal(Path.Combine(Portal.Get<IHostEnvironment>().ContentRootPath, "data", "agent"), Agents.Directory);

    [Fact]
    public void With_a_published_agent_the_panel_shows_the_link_its_SHA256_and_size_and_this_instances_commands()
    {
        var sha256 = Publish(50_000);

        var panel = RenderPanel("acme-01");

        Assert.Equal("Download the host agent", panel.Find("#download-agent").TextContent.Trim());
        Assert.Equal("downloads/agent/licenseportal-agent-linux-x64", panel.Find("#download-agent").GetAttribute("href"));
        Assert.Equal("licenseportal-agent-linux-x64", panel.Find("#download-agent").GetAttribute("download"));
        Assert.Equal(sha256, panel.Find("#agent-sha256").TextContent);
        Assert.Equal("Size: 48.8 KiB (50,000 bytes)", panel.Find("#agent-size").TextContent);
        Assert.Equal($"echo \"{sha256}  licenseportal-agent-linux-x64\" | sha256sum -c - && install -m 0755 licenseportal-agent-linux-x64 licenseportal-agent", Command(panel, "verify"));
        Assert.Equal("sudo ./licenseportal-agent hostinfo --instance acme-01 --out hostinfo.txt", Command(panel, "hostinfo"));
        Assert.Equal("sudo ./licenseportal-agent install --license acme-01_LICENSE", Command(panel, "install"));
        Assert.Equal("sudo ./licenseportal-agent activate --server http://localhost --instance acme-01 --token TOKEN", Command(panel, "activate"));
        Assert.Equal("./licenseportal-agent check --desktops N --images N --users N --vcpus N --vmem N --vdisk N", Command(panel, "check"));
        Assert.Contains("activation tokens panel on this page", panel.Find(".agent-step[data-step='activate']").TextContent, StringComparison.Ordinal);
        Assert.Empty(panel.FindAll("#agent-not-published"));
    }

    [Fact]
    public void Every_copy_button_has_a_label_and_copies_exactly_its_command()
    {
        Publish();
        var copied = JSInterop.SetupVoid("licensePortal.copyText", _ => true);
        copied.SetVoidResult();
        var panel = RenderPanel("acme-01");

        var buttons = panel.FindAll("[id^='agent-copy-']");
        Assert.Equal(5, buttons.Count);
        Assert.Equal("Copy the command: write the host info", panel.Find("#agent-copy-hostinfo").GetAttribute("aria-label"));
        Assert.All(buttons, b => Assert.StartsWith("Copy the command: ", b.GetAttribute("aria-label"), StringComparison.Ordinal));

        panel.Find("#agent-copy-install").Click();

        var invocation = Assert.Single(copied.Invocations);
        Assert.Equal("sudo ./licenseportal-agent install --license acme-01_LICENSE", invocation.Arguments[0]);
    }

    [Fact]
    public void Support_staff_are_told_who_makes_the_activation_token()
    {
        Publish();

        var panel = RenderPanel("acme-01", canChange: false);

        Assert.Contains("which the instance's owner or an administrator makes on this page", panel.Find(".agent-step[data-step='activate']").TextContent, StringComparison.Ordinal);
        Assert.Equal("sudo ./licenseportal-agent hostinfo --instance acme-01 --out hostinfo.txt", Command(panel, "hostinfo"));
    }

    [Fact]
    public void Without_a_published_agent_a_customer_is_told_to_ask_an_administrator_and_sees_no_server_path()
    {
        var panel = RenderPanel("acme-01", canChange: true, administrator: false);

        Assert.Contains("Ask your vendor's administrator to publish it", panel.Find("#agent-not-published").TextContent, StringComparison.Ordinal);
        Assert.Empty(panel.FindAll("#agent-publish-command"));
        Assert.DoesNotContain(Agents.Directory, panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_published_agent_the_panel_shows_the_publish_command_with_the_configured_directory_and_no_link()
    {
        var panel = RenderPanel("acme-01");

        Assert.Empty(panel.FindAll("#download-agent"));
        Assert.Empty(panel.FindAll("#agent-steps"));
        Assert.Contains("No host agent has been published on this portal yet.", panel.Find("#agent-not-published").TextContent, StringComparison.Ordinal);
        Assert.Equal($"dotnet publish LicensePortal.Agent -c Release -r linux-x64 -p:VendorRootPublicKeyFile=PATH -o {Agents.Directory}", panel.Find("#agent-publish-command").TextContent);
        Assert.Equal("Copy the command: publish the host agent", panel.Find("#agent-copy-publish").GetAttribute("aria-label"));
        Assert.False(Directory.Exists(Agents.Directory));
    }

    [Fact]
    public void An_empty_file_is_not_a_published_agent()
    {
        Directory.CreateDirectory(Agents.Directory);
        File.WriteAllBytes(Agents.FilePath, []);

        var panel = RenderPanel("acme-01");

        Assert.Single(panel.FindAll("#agent-not-published"));
        Assert.Empty(panel.FindAll("#download-agent"));
    }
}

public sealed class HostAgentPanelChineseTests() : HostAgentPanelTestBase("zh-Hans")
{
    [Fact]
    public void The_panel_is_in_Chinese_with_the_same_commands_and_SHA256()
    {
        var sha256 = Publish(2 * 1024 * 1024);

        var panel = RenderPanel("acme-02");

        Assert.Equal("主机代理", panel.Find("#host-agent h2").TextContent);
        Assert.Equal("下载主机代理", panel.Find("#download-agent").TextContent.Trim());
        Assert.Equal(sha256, panel.Find("#agent-sha256").TextContent);
        Assert.Equal("大小：2.0 MiB (2,097,152 字节)", panel.Find("#agent-size").TextContent);
        Assert.Contains(sha256, Command(panel, "verify"), StringComparison.Ordinal);
        Assert.Equal("sudo ./licenseportal-agent hostinfo --instance acme-02 --out hostinfo.txt", Command(panel, "hostinfo"));
        Assert.Equal("sudo ./licenseportal-agent install --license acme-02_LICENSE", Command(panel, "install"));
        Assert.Equal("sudo ./licenseportal-agent activate --server http://localhost --instance acme-02 --token TOKEN", Command(panel, "activate"));
        Assert.Equal("复制命令：生成主机信息", panel.Find("#agent-copy-hostinfo").GetAttribute("aria-label"));
        Assert.Contains("将 hostinfo.txt 拖放到本页面", panel.Find(".agent-step[data-step='hostinfo']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_published_agent_the_instruction_is_in_Chinese_with_the_publish_command()
    {
        var panel = RenderPanel("acme-02");

        Assert.Contains("本门户尚未发布主机代理", panel.Find("#agent-not-published").TextContent, StringComparison.Ordinal);
        Assert.Equal($"dotnet publish LicensePortal.Agent -c Release -r linux-x64 -p:VendorRootPublicKeyFile=PATH -o {Agents.Directory}", panel.Find("#agent-publish-command").TextContent);
        Assert.Equal("复制命令：发布主机代理", panel.Find("#agent-copy-publish").GetAttribute("aria-label"));
    }
}
