using LicensePortal.Agent;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>The portal records the host's identifiers from its host info and issues licenses needing all but the instance's tolerance.</summary>
public sealed class PortalLicensesTolerateAReplacedNetworkCard
{
    private const string Name = "alice-01";

    private static async Task<string> IssueAsync(PortalServices portal, PortalActor owner, AgentHost host)
    {
        var upload = await portal.Get<HostInfoIntake>().UploadAsync(owner, Name, await host.HostInfoAsync(Name));
        Assert.True(upload.Succeeded && upload.Value!.Accepted, upload.Value?.ReasonCode);
        var license = await portal.Get<LicenseService>().GenerateAsync(owner, Name, Address);
        Assert.True(license.Succeeded, Why(license));
        var path = host.File($"alice-{Guid.NewGuid():n}.lic");
        await File.WriteAllTextAsync(path, license.Value!.FileText);
        return path;
    }

    [Fact]
    public async Task A_portal_license_survives_one_replaced_network_card_and_stops_at_two_changed_identifiers()
    {
        await using var portal = await PortalServices.StartAsync();
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        using var host = new AgentHost(portal.Time, portal.Get<VendorKeyStore>().Root);
        var license = await IssueAsync(portal, alice, host);
        Assert.Equal(ExitCodes.Ok, (await host.RunAsync("install", "--license", license)).Exit);
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var snapshot = (await db.Instances.SingleAsync(i => i.Name == Name)).HostIdentifiers;
        Assert.Equal("mac 52:54:00:00:00:09\nmac 52:54:00:ab:cd:ef\ndmi-serial VMware-42 1a 2b 3c", snapshot);

        host.WriteSys("sys/class/net/eth0/address", "52:54:00:77:77:77\n");
        var oneChanged = await host.RunAsync(AgentHost.Check());
        host.WriteSys("sys/class/dmi/id/product_serial", "OTHER-SERIAL\n");
        var twoChanged = await host.RunAsync(AgentHost.Check());

        Assert.True(oneChanged.Exit == ExitCodes.Ok, oneChanged.Err);
        Assert.Equal(ExitCodes.HardwareChanged, twoChanged.Exit);
    }

    [Fact]
    public async Task A_strict_instance_issues_a_license_that_needs_every_identifier()
    {
        await using var portal = await PortalServices.StartAsync();
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // What an administrator's "strict" setting stores.
            await db.Instances.Where(i => i.Name == Name).ExecuteUpdateAsync(s => s.SetProperty(i => i.HostIdentifierTolerance, 0));
        }

        using var host = new AgentHost(portal.Time, portal.Get<VendorKeyStore>().Root);
        var license = await IssueAsync(portal, alice, host);
        Assert.Equal(ExitCodes.Ok, (await host.RunAsync("install", "--license", license)).Exit);

        host.WriteSys("sys/class/net/enp9s0/address", "52:54:00:77:77:77\n");
        var check = await host.RunAsync(AgentHost.Check());

        Assert.Equal(ExitCodes.HardwareChanged, check.Exit);
        Assert.Contains("needs 3 of its 3 host identifiers", check.Err, StringComparison.Ordinal);
    }
}
