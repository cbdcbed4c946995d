using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LicensePortal.Agent;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>Agent → portal → agent: host info in, license out, installed and checked; tampering caught at every step.</summary>
public sealed class RoundTripTests
{
    private const string Name = "alice-01";

    private static async Task<(PortalServices Portal, PortalActor Alice)> StartAsync()
    {
        var portal = await PortalServices.StartAsync();
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice); // quotas 10 desktops, 5 images, 20 users, 64 vCPUs, 256 GiB, 2048 GiB
        return (portal, alice);
    }

    /// <summary>Uploads the agent's host info and generates the license as the owner; returns the license file's path on the host.</summary>
    private static async Task<string> IssueAsync(PortalServices portal, PortalActor owner, AgentHost host, byte[] hostInfo, string fileName = "alice.lic")
    {
        var upload = await portal.Get<HostInfoIntake>().UploadAsync(owner, Name, hostInfo);
        Assert.True(upload.Succeeded && upload.Value!.Accepted, upload.Value?.ReasonCode);
        var license = await portal.Get<LicenseService>().GenerateAsync(owner, Name, Address);
        Assert.True(license.Succeeded, Why(license));
        var path = host.File(fileName);
        await File.WriteAllTextAsync(path, license.Value!.FileText);
        return path;
    }

    /// <summary>A host whose agent trusts the portal's vendor root, as one built with -p:VendorRootPublicKeyFile=vendor-root.pub would.</summary>
    private static AgentHost Host(PortalServices portal) => new(portal.Time, portal.Get<VendorKeyStore>().Root);

    [Fact]
    public async Task A_license_made_from_the_agents_host_info_installs_and_checks_within_quotas()
    {
        var (portal, alice) = await StartAsync();
        await using var _ = portal;
        using var host = Host(portal);
        var license = await IssueAsync(portal, alice, host, await host.HostInfoAsync(Name));

        var install = await host.RunAsync("install", "--license", license);

        Assert.True(install.Exit == ExitCodes.Ok, install.Err);
        Assert.Equal(await File.ReadAllTextAsync(license), await File.ReadAllTextAsync(host.InstalledLicense));
        var check = await host.RunAsync(AgentHost.Check(desktops: 10, images: 5, users: 20, vcpus: 64, vmem: 256, vdisk: 2048));
        Assert.True(check.Exit == ExitCodes.Ok, check.Err);
        Assert.Contains($"instance '{Name}' revision 1", check.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_over_a_portal_quota_exits_non_zero_naming_the_quota()
    {
        var (portal, alice) = await StartAsync();
        await using var _ = portal;
        using var host = Host(portal);
        var license = await IssueAsync(portal, alice, host, await host.HostInfoAsync(Name));
        Assert.Equal(ExitCodes.Ok, (await host.RunAsync("install", "--license", license)).Exit);

        var check = await host.RunAsync(AgentHost.Check(desktops: 11));

        Assert.Equal(ExitCodes.QuotaBase + 1, check.Exit);
        Assert.Contains("concurrent desktops: 11 used, 10 allowed", check.Err + check.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_info_file_edited_after_the_agent_wrote_it_puts_the_instance_in_INFOERROR()
    {
        var (portal, alice) = await StartAsync();
        await using var _ = portal;
        using var host = Host(portal);
        var text = Encoding.UTF8.GetString(await host.HostInfoAsync(Name));
        var edited = Encoding.UTF8.GetBytes(text.Replace("MAC: 52:54:00:ab:cd:ef", "MAC: 52:54:00:ab:cd:ee", StringComparison.Ordinal));
        Assert.NotEqual(text, Encoding.UTF8.GetString(edited));

        var result = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, edited);

        Assert.Equal((false, InstanceStatus.INFOERROR, "HostInfo.BadCheckCode"), (result.Value!.Accepted, result.Value.Status, result.Value.ReasonCode));
        var after = await SnapshotAsync(portal, Name);
        Assert.Equal(("", "", 0), (after.Mac, after.PublicKey, after.LicenseRevisions));
        Assert.Equal("License.HostInfoInvalid", ErrorCode(await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)));
    }

    [Fact]
    public async Task A_license_with_one_flipped_base64_character_is_refused_and_the_installed_license_stays()
    {
        var (portal, alice) = await StartAsync();
        await using var _ = portal;
        using var host = Host(portal);
        var first = await IssueAsync(portal, alice, host, await host.HostInfoAsync(Name));
        Assert.Equal(ExitCodes.Ok, (await host.RunAsync("install", "--license", first)).Exit);
        var installed = await File.ReadAllBytesAsync(host.InstalledLicense);
        await UpdateAsync(portal, Name, q => q with { MaxDesktops = 99 });
        var second = (await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)).Value!;
        Assert.Equal(2, second.Revision);
        var lines = second.FileText.Split('\n');
        var bodyLine = Array.IndexOf(lines, "") + 2; // the second line of base64 body: inside the ciphertext
        var chars = lines[bodyLine].ToCharArray();
        chars[10] = chars[10] == 'A' ? 'B' : 'A';
        lines[bodyLine] = new string(chars);
        var tampered = host.File("tampered.lic");
        await File.WriteAllTextAsync(tampered, string.Join('\n', lines));

        var install = await host.RunAsync("install", "--license", tampered);

        Assert.Equal(ExitCodes.LicenseRejected, install.Exit);
        Assert.Contains("NotForThisHost", install.Err + install.Out, StringComparison.Ordinal);
        Assert.Equal(installed, await File.ReadAllBytesAsync(host.InstalledLicense));
        var check = await host.RunAsync(AgentHost.Check(desktops: 11));
        Assert.Equal(ExitCodes.QuotaBase + 1, check.Exit); // still revision 1's 10 desktops, not the 99 of the tampered file
    }

    [Fact]
    public async Task A_license_issued_for_one_host_is_refused_on_another_host()
    {
        var (portal, alice) = await StartAsync();
        await using var _ = portal;
        using var hostA = Host(portal);
        using var hostB = Host(portal);
        Assert.Equal(ExitCodes.Ok, (await hostB.RunAsync("hostinfo", "--instance", Name, "--out", hostB.File("b.txt"))).Exit); // B has its own host key
        var license = await IssueAsync(portal, alice, hostA, await hostA.HostInfoAsync(Name));
        var onB = hostB.File("from-a.lic");
        File.Copy(license, onB);

        var install = await hostB.RunAsync("install", "--license", onB);

        Assert.Equal(ExitCodes.LicenseRejected, install.Exit);
        Assert.Contains("NotForThisHost", install.Err + install.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(hostB.InstalledLicense));
    }

    [Fact]
    public async Task Over_HTTP_the_owner_uploads_host_info_downloads_the_license_and_the_agent_installs_it()
    {
        await using var factory = new PortalWebFactory();
        var (alice, password) = await factory.CreateUserAsync("alice");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var created = await factory.Services.GetRequiredService<InstanceService>().CreateAsync(await factory.AdminAsync(),
            new NewInstance(Name, alice.UserId, new InstanceQuotas(10, 5, 20, 64, 256, 2048, today.AddYears(1))));
        Assert.True(created.Succeeded);
        // The agent's trust anchor: the root the portal serves at /vendor-root.pub, compiled into its build.
        using var rootResponse = await factory.CreateClient().GetAsync(new Uri("/vendor-root.pub", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, rootResponse.StatusCode);
        using var host = new AgentHost(TimeProvider.System, VendorRootPublicKey.Import(await rootResponse.Content.ReadAsStringAsync()));
        var hostInfo = await host.HostInfoAsync(Name);
        var client = factory.CreateBrowser();
        using (var signIn = await PortalWebFactory.SignInAsync(client, "alice", password))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(hostInfo);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(part, "file", "hostinfo.txt");
        using var upload = await client.PostAsync(new Uri($"/upload_hostinfo?instance={Name}", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Contains("\"status\":\"TODOWNLOAD\"", await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var download = await client.GetAsync(new Uri($"/download_license?instance={Name}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        await File.WriteAllBytesAsync(host.File("alice.lic"), await download.Content.ReadAsByteArrayAsync());

        var install = await host.RunAsync("install", "--license", host.File("alice.lic"));

        Assert.True(install.Exit == ExitCodes.Ok, install.Err);
        var check = await host.RunAsync(AgentHost.Check(desktops: 10, vdisk: 2048));
        Assert.True(check.Exit == ExitCodes.Ok, check.Err);
        Assert.Equal(ExitCodes.QuotaBase + 32, (await host.RunAsync(AgentHost.Check(vdisk: 2049))).Exit);
    }
}
