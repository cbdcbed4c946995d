using Bunit;
using LicensePortal.Components.Shared;
using LicensePortal.Data;

namespace LicensePortal.Tests.Components;

public sealed class StatusBadgeInChineseTests() : PortalComponentTest("zh-Hans")
{
    [Theory]
    [InlineData(InstanceStatus.TOUPLOAD, "未上传主机信息")]
    [InlineData(InstanceStatus.INFOERROR, "主机信息被篡改")]
    [InlineData(InstanceStatus.TODOWNLOAD, "可下载最新 License")]
    [InlineData(InstanceStatus.DOWNLOADERROR, "下载异常")]
    [InlineData(InstanceStatus.EXPIRED, "实例已过期")]
    public void The_badge_shows_the_seeds_Chinese_label(InstanceStatus status, string label)
    {
        var badge = Render<StatusBadge>(p => p.Add(b => b.Status, status));

        Assert.Equal(label, badge.Find(".status-badge").TextContent.Trim());
        Assert.Equal(status.ToString(), badge.Find(".status-badge").GetAttribute("data-status"));
    }
}

public sealed class StatusBadgeInEnglishTests() : PortalComponentTest("en")
{
    [Theory]
    [InlineData(InstanceStatus.TOUPLOAD, "Host info not uploaded")]
    [InlineData(InstanceStatus.INFOERROR, "Host info tampered")]
    [InlineData(InstanceStatus.TODOWNLOAD, "Latest license ready")]
    [InlineData(InstanceStatus.DOWNLOADERROR, "Download error")]
    [InlineData(InstanceStatus.EXPIRED, "Expired")]
    public void The_badge_shows_the_English_label(InstanceStatus status, string label)
    {
        var badge = Render<StatusBadge>(p => p.Add(b => b.Status, status));

        Assert.Equal(label, badge.Find(".status-badge").TextContent.Trim());
    }

    [Fact]
    public void The_badge_colours_differ_between_error_and_ready()
    {
        var error = Render<StatusBadge>(p => p.Add(b => b.Status, InstanceStatus.INFOERROR));
        var ready = Render<StatusBadge>(p => p.Add(b => b.Status, InstanceStatus.TODOWNLOAD));

        Assert.Contains("mud-chip-color-error", error.Find(".status-badge").ClassName);
        Assert.Contains("mud-chip-color-success", ready.Find(".status-badge").ClassName);
    }
}
