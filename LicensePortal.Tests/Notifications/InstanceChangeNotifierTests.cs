using System.Collections.Concurrent;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LicensePortal.Tests.Notifications;

public sealed class InstanceChangeNotifierTests
{
    [Fact]
    public async Task A_customer_hears_of_their_own_instances_only_and_staff_hear_of_all()
    {
        await using var portal = await PortalServices.StartAsync();
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        var support = await portal.CreateUserAsync("helpdesk", PortalRole.Support);
        var aliceInstance = await portal.CreateInstanceAsync("alice-01", alice);
        var bobInstance = await portal.CreateInstanceAsync("bob-01", bob);
        var notifier = portal.Get<InstanceChangeNotifier>();
        var heardByAlice = new ConcurrentBag<int>();
        var heardBySupport = new ConcurrentBag<int>();
        using var aliceSubscription = notifier.Subscribe(alice, c => { heardByAlice.Add(c.InstanceId); return Task.CompletedTask; });
        using var supportSubscription = notifier.Subscribe(support, c => { heardBySupport.Add(c.InstanceId); return Task.CompletedTask; });
        var admin = await portal.AdminAsync();
        var instances = portal.Get<InstanceService>();

        await instances.UpdateAsync(admin, bobInstance.Id, bobInstance.ToQuotas() with { MaxDesktops = 3 }, bobInstance.Version);
        await instances.UpdateAsync(admin, aliceInstance.Id, aliceInstance.ToQuotas() with { MaxDesktops = 4 }, aliceInstance.Version);

        Assert.Equal([aliceInstance.Id], heardByAlice);
        Assert.Equal([aliceInstance.Id, bobInstance.Id], heardBySupport.Order());
    }

    [Fact]
    public async Task An_upload_over_HTTP_reaches_the_subscribers()
    {
        await using var factory = new PortalWebFactory();
        var (owner, password) = await factory.CreateUserAsync("carol@example.com");
        var created = await factory.Services.GetRequiredService<InstanceService>().CreateAsync(await factory.AdminAsync(),
            new NewInstance("carol-01", owner.UserId, new InstanceQuotas(1, 1, 1, 1, 1, 1, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1))));
        var instance = created.Value!;
        var notifier = factory.Services.GetRequiredService<InstanceChangeNotifier>();
        var heard = new TaskCompletionSource<InstanceChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = notifier.Subscribe(owner, c => { heard.TrySetResult(c); return Task.CompletedTask; });
        var client = factory.CreateBrowser();
        await PortalWebFactory.SignInAsync(client, "carol@example.com", password);
        var hostInfo = HostInfoFile.Write("carol-01", "52:54:00:aa:bb:cc", "SN-1", HostKey.Generate(), DateTimeOffset.UtcNow);

        using var response = await client.PostAsync(new Uri("/upload_hostinfo?instance=carol-01", UriKind.Relative), new StringContent(hostInfo));

        response.EnsureSuccessStatusCode();
        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(instance.Id, change.InstanceId);
    }

    [Fact]
    public async Task A_throwing_or_slow_subscriber_does_not_hold_back_the_others()
    {
        var notifier = new InstanceChangeNotifier(NullLogger<InstanceChangeNotifier>.Instance);
        var staff = new PortalActor("s", "support", PortalRole.Support);
        var slow = new TaskCompletionSource();
        var fastHeard = 0;
        using var broken = notifier.Subscribe(staff, _ => throw new InvalidOperationException("a broken page"));
        using var stuck = notifier.Subscribe(staff, _ => slow.Task);
        using var fast = notifier.Subscribe(staff, _ => { Interlocked.Increment(ref fastHeard); return Task.CompletedTask; });

        var publishing = notifier.PublishAsync(new InstanceChange(1, "owner", InstanceChangeKind.Updated));

        Assert.Equal(1, fastHeard); // delivered while the slow one is still busy
        Assert.False(publishing.IsCompleted);
        slow.SetResult();
        await publishing; // the broken handler's exception is logged, not thrown
    }

    [Fact]
    public void Disposing_a_subscription_removes_it()
    {
        var notifier = new InstanceChangeNotifier(NullLogger<InstanceChangeNotifier>.Instance);
        var subscription = notifier.Subscribe(new PortalActor("u", "u", PortalRole.User), _ => Task.CompletedTask);
        Assert.Equal(1, notifier.SubscriberCount);

        subscription.Dispose();
        subscription.Dispose();

        Assert.Equal(0, notifier.SubscriberCount);
    }
}
