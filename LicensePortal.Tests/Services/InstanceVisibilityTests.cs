using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Services;

public sealed class InstanceVisibilityTests
{
    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_customer_lists_only_their_own_instances(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("alice-01", alice);
        await portal.CreateInstanceAsync("alice-02", alice);
        await portal.CreateInstanceAsync("bob-01", bob);

        var page = await portal.Get<InstanceService>().ListAsync(alice, new InstanceQuery());

        Assert.Equal(2, page.TotalCount);
        Assert.Equal(["alice-01", "alice-02"], page.Items.Select(i => i.Name));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Support_sees_every_instance_but_cannot_change_one(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var support = await portal.CreateUserAsync("helpdesk", PortalRole.Support);
        var instance = await portal.CreateInstanceAsync("alice-01", alice, desktops: 10);
        var service = portal.Get<InstanceService>();

        var page = await service.ListAsync(support, new InstanceQuery());
        var update = await service.UpdateAsync(support, instance.Id, instance.ToQuotas() with { MaxDesktops = 99 }, instance.Version);
        var delete = await service.DeleteAsync(support, [instance.Id]);

        Assert.Equal(1, page.TotalCount);
        Assert.Equal(Failure.Forbidden, update.Failure);
        Assert.False(delete.Single().Succeeded);
        Assert.Equal(10, (await service.GetAsync(support, instance.Id))!.MaxDesktops);
    }
}
