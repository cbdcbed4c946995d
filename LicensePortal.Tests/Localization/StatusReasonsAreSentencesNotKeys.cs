using System.Globalization;
using LicensePortal.Components.Shared;
using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Tests.Localization;

/// <summary>
/// The reason an instance is in its state, as the grid, the support desk and the instance page show it (the status
/// chip's tooltip): the sentence in the viewer's language with its time filled in, never the stored key.
/// </summary>
public sealed class StatusReasonsAreSentencesNotKeys
{
    private static readonly DateTime PausedAt = new(2026, 12, 2, 5, 30, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("en")]
    [InlineData("zh-Hans")]
    public void A_download_pause_names_its_end_and_a_refused_file_its_reason(string culture)
    {
        using var services = new ServiceCollection().AddLogging().AddLocalization().BuildServiceProvider();
        var text = services.GetRequiredService<IStringLocalizer<SharedResource>>();
        var written = ResourceFiles.Texts(culture == "en" ? ResourceFiles.English : ResourceFiles.Chinese);
        var (before, beforeUi) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var paused = Row(InstanceStatus.DOWNLOADERROR, InstanceLifecycle.TooManyDownloads);
            Assert.Equal(written[InstanceLifecycle.TooManyDownloads].Replace("{0}", "2026-12-02 05:45:00", StringComparison.Ordinal),
                StatusReasons.Text(text, paused, TimeSpan.FromMinutes(15)));

            Assert.Equal(written["HostInfo.BadCheckCode"], StatusReasons.Text(text, Row(InstanceStatus.INFOERROR, "HostInfo.BadCheckCode"), TimeSpan.FromMinutes(15)));
            Assert.Equal(written["Status.ReasonUnknown"], StatusReasons.Text(text, Row(InstanceStatus.INFOERROR, "HostInfo.SomethingNew"), TimeSpan.FromMinutes(15)));
            Assert.Null(StatusReasons.Text(text, Row(InstanceStatus.TODOWNLOAD, ""), TimeSpan.FromMinutes(15)));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (before, beforeUi);
        }
    }

    private static InstanceRow Row(InstanceStatus status, string reason) =>
        new() { Name = "reason-01", Status = status, StatusReason = reason, StatusChangedAt = PausedAt, ExpiresOn = new DateOnly(2030, 1, 1) };
}
