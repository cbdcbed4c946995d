using System.Net;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// One host info intake: the seed's /upload_hostinfo, the API and the service behind the page take their size limit from
/// the one option Licensing:HostInfoMaxBytes, and judge "not a host info file" by the library's one rule.
/// </summary>
public sealed class HostInfoIntakeHasOneLimit
{
    [Fact]
    public async Task A_configured_limit_refuses_the_same_file_on_the_seed_url_the_api_and_the_service_and_nothing_changes()
    {
        await using var factory = new PortalWebFactory();
        await using var portal = factory.WithWebHostBuilder(b => b.UseSetting("Licensing:HostInfoMaxBytes", "2048"));
        var admin = await factory.AdminAsync();
        await ApiTestKit.InstanceAsync(factory, "limited", admin);
        // A genuine host info file made larger than 2 KiB (but far under the format's 64 KiB) by a long serial number.
        var file = HostInfoFile.Write("limited", ApiTestKit.Mac, new string('S', 128), HostKey.Generate(), DateTimeOffset.UtcNow);
        var padded = file + new string('\n', 2100);

        using var api = await ApiTestKit.ClientAsync(portal, admin);
        using var viaApi = await api.PostAsync(new Uri("/api/v1/instances/limited/hostinfo", UriKind.Relative), ApiTestKit.Text(padded));
        using var browser = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await PortalWebFactory.SignInAsync(browser, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);
        using var viaSeed = await browser.PostAsync(new Uri("/upload_hostinfo?instance=limited", UriKind.Relative), ApiTestKit.Text(padded));
        var viaService = await portal.Services.GetRequiredService<HostInfoIntake>().UploadAsync(admin, "limited", System.Text.Encoding.UTF8.GetBytes(padded));

        await ApiTestKit.ProblemAsync(viaApi, HttpStatusCode.RequestEntityTooLarge, "HostInfo.TooLarge");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, viaSeed.StatusCode);
        Assert.Equal("HostInfo.TooLarge", Assert.Single(viaService.Errors).Code);
        var row = await portal.Services.GetRequiredService<InstanceService>().FindByNameAsync(admin, "limited");
        Assert.Equal((LicensePortal.Data.InstanceStatus.TOUPLOAD, ""), (row!.Status, row.Mac));

        // The same file without the padding is under the limit and accepted.
        using var accepted = await api.PostAsync(new Uri("/api/v1/instances/limited/hostinfo", UriKind.Relative), ApiTestKit.Text(file));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Theory]
    [InlineData(new byte[0], HostInfoErrorCode.Empty)]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'L' }, HostInfoErrorCode.NotText)]
    [InlineData(new byte[] { (byte)'L', 0xC2, 0x85 }, HostInfoErrorCode.NotText)]
    [InlineData(new byte[] { (byte)'h', (byte)'i', (byte)'\n' }, HostInfoErrorCode.NotHostInfo)]
    public void The_library_screen_says_what_is_not_a_host_info_file_at_all(byte[] bytes, HostInfoErrorCode expected)
    {
        Assert.Equal(expected, HostInfoFile.Screen(bytes));
    }

    [Fact]
    public void A_damaged_host_info_file_passes_the_screen_so_the_parser_judges_it()
    {
        var file = HostInfoFile.Write("x", ApiTestKit.Mac, "SN", HostKey.Generate(), DateTimeOffset.UtcNow);
        var mixed = file.Replace("\nMAC:", "\r\nMAC:", StringComparison.Ordinal);

        Assert.Null(HostInfoFile.Screen(System.Text.Encoding.UTF8.GetBytes(file)));
        Assert.Null(HostInfoFile.Screen(System.Text.Encoding.UTF8.GetBytes(mixed)));
        Assert.Equal(HostInfoErrorCode.Malformed, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(mixed)).Code);
        Assert.Equal(HostInfoErrorCode.TooLarge, HostInfoFile.Screen(System.Text.Encoding.UTF8.GetBytes(file), maxBytes: 100));
    }
}
