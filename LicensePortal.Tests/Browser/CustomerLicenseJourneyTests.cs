using LicensePortal.Agent;
using LicensePortal.Licensing;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// The seed's workflow end to end in a real Chromium: an administrator sets up a customer and an instance; the customer
/// drags the agent's host info file onto the instance page and downloads a license that the agent then installs; the
/// administrator's open grid shows the state change without a reload.
/// </summary>
public sealed class CustomerLicenseJourneyTests
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";

    [Fact]
    public async Task A_customer_uploads_host_info_and_downloads_a_license_the_agent_installs_while_the_admin_grid_updates_live()
    {
        await using var portal = await PortalProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("lp-journey-");
        var (playwright, browser) = await Browsers.LaunchAsync();
        var admin = await browser.NewPortalPageAsync(portal);
        var customer = await browser.NewPortalPageAsync(portal);
        var current = admin;
        try
        {
            // The administrator creates the customer (with a typed password) and the instance.
            await admin.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await admin.GotoInteractiveAsync("users");
            await admin.OpenDialogAsync("#users-create", "#field-username");
            await admin.FillAsync("#field-username", "cust");
            await admin.FillAsync("#field-password", CustomerPassword);
            await admin.ClickAsync("#user-save");
            await admin.Locator("#users-grid").GetByText("cust", new() { Exact = true }).WaitForAsync();
            await admin.GotoInteractiveAsync("instances");
            await admin.OpenDialogAsync("#instances-create", "#field-name");
            await admin.FillAsync("#field-name", "cust-01");
            // Typed before the owner is picked: the owner search is a server round trip, so by the time its list shows, the
            // server has taken this value too (a click straight after typing can overtake MudBlazor's async input handler).
            await admin.FillAsync("#field-maxdesktops", "20");
            await admin.FillAsync("#field-owner", "cust");
            await admin.Locator(".mud-popover-open .mud-list-item").GetByText("cust", new() { Exact = true }).ClickAsync();
            // The server confirms the pick before Save is clicked (a click can overtake MudBlazor's async selection).
            await Assertions.Expect(admin.Locator("#owner-chosen")).ToContainTextAsync("cust");
            await admin.ClickAsync("#instance-save");
            var adminRowBadge = admin.Locator("#instances-grid tr", new() { HasText = "cust-01" }).Locator(".status-badge");
            await Assertions.Expect(adminRowBadge).ToHaveAttributeAsync("data-status", "TOUPLOAD");

            // On the licensed host (a fake sysfs tree), the agent built for this portal's root writes the host info file.
            using var http = new HttpClient { BaseAddress = portal.BaseAddress };
            using var host = new AgentSandbox();
            var agent = host.Environment(VendorRootPublicKey.Import(await http.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative))));
            var hostInfo = Path.Combine(work.FullName, "hostinfo.txt");
            Assert.Equal(0, (await host.RunAsync(agent, "hostinfo", "--instance", "cust-01", "--out", hostInfo)).Exit);

            // The customer drags it from the desktop onto the instance page's zone, which names the file it wants.
            current = customer;
            await customer.SignInAsync("cust", CustomerPassword);
            await customer.GotoInteractiveAsync("instances/cust-01");
            await Assertions.Expect(customer.Locator("#hostinfo-zone")).ToContainTextAsync("hostinfo.txt");
            await customer.DropFileAsync("#hostinfo-zone", hostInfo);
            await Assertions.Expect(customer.Locator("#upload-result")).ToContainTextAsync("accepted");
            await Assertions.Expect(customer.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TODOWNLOAD");
            await Assertions.Expect(customer.Locator("#host-details")).ToContainTextAsync(AgentSandbox.HostMac);

            // The administrator's grid, open all along, changed by itself.
            current = admin;
            await Assertions.Expect(adminRowBadge).ToHaveAttributeAsync("data-status", "TODOWNLOAD");

            // The customer downloads the license; the agent verifies and installs it.
            current = customer;
            var download = await customer.RunAndWaitForDownloadAsync(() => customer.ClickAsync("#download-license"));
            Assert.Equal("cust-01_LICENSE", download.SuggestedFilename);
            var licensePath = Path.Combine(work.FullName, "cust-01_LICENSE");
            await download.SaveAsAsync(licensePath);
            await Assertions.Expect(customer.Locator("#license-history")).ToContainTextAsync("cust");

            var install = await host.RunAsync(agent, "install", "--license", licensePath);
            Assert.True(install.Exit == 0, install.Err);
            Assert.Equal(0, (await host.RunAsync(agent, "check", "--desktops", "20", "--images", "0", "--users", "0", "--vcpus", "0", "--vmem", "0", "--vdisk", "0")).Exit);
            Assert.Equal(ExitCodes.QuotaBase + 1, (await host.RunAsync(agent, "check", "--desktops", "21", "--images", "0", "--users", "0", "--vcpus", "0", "--vmem", "0", "--vdisk", "0")).Exit);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-journey-failure-{Guid.NewGuid():N}.png");
            await current.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            work.Delete(recursive: true);
        }
    }
}
