using LicensePortal.Licensing;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Commands;

/// <summary>
/// Acceptance of the import, end to end: the real portal running, import-legacy run beside it on its database, then in a
/// real Chromium the old customer signs in with the old password, sees the instance with its old quotas and expiry and
/// the "upload host info from the new agent" reason, uploads the new agent's host info, downloads a license the agent
/// installs; the old Werkzeug hash is gone after that sign-in.
/// </summary>
public sealed class AnImportedCustomerGetsALicense
{
    [Fact]
    public async Task AnImportedCustomerSignsInWithTheOldPasswordUploadsHostInfoAndDownloadsALicense()
    {
        await using var portal = await PortalProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("lp-import-journey-");
        var oldDb = Path.Combine(work.FullName, "old.db");
        await using (var old = new SqliteConnection($"Data Source={oldDb};Pooling=False"))
        {
            await old.OpenAsync();
            await LegacyDatabase.BuildAsync(old);
        }
        var import = await LegacyDatabase.ImportAsync(portal.SqliteFile, Path.Combine(Path.GetDirectoryName(portal.SqliteFile)!, "keys"), "en_US.UTF-8",
            "--provider", "sqlite", "--source", $"Data Source={oldDb}", "--source-timezone", "Asia/Shanghai", "--passwords-file", Path.Combine(work.FullName, "passwords.txt"));
        Assert.True(import.Exit == 0, import.Output);
        Assert.Equal(LegacyDatabase.CustomerScryptHash, await ImportedPortal.ScalarAsync(portal.SqliteFile, "SELECT PasswordHash FROM AspNetUsers WHERE UserName = 'cust'"));

        var (playwright, browser) = await Browsers.LaunchAsync();
        var page = await browser.NewPortalPageAsync(portal);
        try
        {
            await page.SignInAsync("cust", LegacyDatabase.CustomerPassword);
            await page.GotoInteractiveAsync("instances/cust-01");
            await Assertions.Expect(page.Locator("#status-reason")).ToContainTextAsync("Imported: upload host info from the new agent");
            var quotas = page.Locator("#instance-quotas");
            foreach (var (label, value) in new[] { ("Max concurrent desktops", "20"), ("Max images", "5"), ("Max vCPUs", "64") })
            {
                await Assertions.Expect(quotas.Locator("tr", new() { HasText = label })).ToContainTextAsync(value);
            }
            await Assertions.Expect(quotas).ToContainTextAsync("2030-06-30");

            // The sign-in replaced the old hash with Identity's own.
            var hash = await ImportedPortal.ScalarAsync(portal.SqliteFile, "SELECT PasswordHash FROM AspNetUsers WHERE UserName = 'cust'");
            Assert.NotEqual(LegacyDatabase.CustomerScryptHash, hash);
            Assert.DoesNotContain('$', hash!);

            using var http = new HttpClient { BaseAddress = portal.BaseAddress };
            using var host = new AgentSandbox();
            var agent = host.Environment(VendorRootPublicKey.Import(await http.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative))));
            var hostInfo = Path.Combine(work.FullName, "hostinfo.txt");
            Assert.Equal(0, (await host.RunAsync(agent, "hostinfo", "--instance", "cust-01", "--out", hostInfo)).Exit);
            await page.DropFileAsync("#hostinfo-zone", hostInfo);
            await Assertions.Expect(page.Locator("#upload-result")).ToContainTextAsync("accepted");
            await Assertions.Expect(page.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TODOWNLOAD");
            await Assertions.Expect(page.Locator("#host-details")).ToContainTextAsync(AgentSandbox.HostMac);

            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-license"));
            var licensePath = Path.Combine(work.FullName, "cust-01_LICENSE");
            await download.SaveAsAsync(licensePath);
            var install = await host.RunAsync(agent, "install", "--license", licensePath);
            Assert.True(install.Exit == 0, install.Err);
            Assert.Equal(0, (await host.RunAsync(agent, "check", "--desktops", "20", "--images", "5", "--users", "30", "--vcpus", "64", "--vmem", "256", "--vdisk", "2048")).Exit);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser step failed at {page.Url}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }
}
