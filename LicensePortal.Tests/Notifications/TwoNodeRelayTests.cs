using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Notifications;

/// <summary>
/// Two portal nodes on one PostgreSQL database: a change on one reaches the pages open on the other, carried by
/// PostgreSQL LISTEN/NOTIFY or, when configured, by Redis pub/sub.
/// </summary>
public sealed class TwoNodeRelayTests
{
    [SkippableTheory]
    [InlineData("Postgres")]
    [InlineData("Redis")]
    public async Task A_change_on_node_A_reaches_a_subscriber_on_node_B_and_B_ignores_its_own_echo(string carrier)
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        if (carrier == "Redis")
        {
            RedisServer.SkipIfUnavailable();
        }
        await using var redis = carrier == "Redis" ? await RedisServer.StartAsync() : null;
        var settings = redis is null ? null : new Dictionary<string, string?> { ["LiveUpdates:Redis"] = redis.Configuration };
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        await using var nodeA = await PortalServices.StartAsync(DatabaseProvider.Postgres, shared: database, settings: settings);
        await using var nodeB = await PortalServices.StartAsync(DatabaseProvider.Postgres, shared: database, settings: settings);
        using var stop = new CancellationTokenSource();
        ChangeRelay relayA = carrier == "Redis" ? nodeA.Get<RedisChangeRelay>() : nodeA.Get<PostgresChangeRelay>();
        ChangeRelay relayB = carrier == "Redis" ? nodeB.Get<RedisChangeRelay>() : nodeB.Get<PostgresChangeRelay>();
        await relayA.StartAsync(stop.Token);
        await relayB.StartAsync(stop.Token);
        await Task.WhenAll(relayA.Listening, relayB.Listening).WaitAsync(TimeSpan.FromSeconds(20));

        var owner = await nodeA.CreateUserAsync("alice");
        var stranger = await nodeA.CreateUserAsync("mallory");
        var instance = await nodeA.CreateInstanceAsync("alice-01", owner);
        var heardOnB = new TaskCompletionSource<InstanceChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var heardByStrangerOnB = 0;
        var heardOnA = 0;
        using var ownerOnB = nodeB.Get<InstanceChangeNotifier>().Subscribe(owner, c =>
        {
            // The create made above may still be on its way from A: wait for the update.
            if (c.Kind == InstanceChangeKind.Updated)
            {
                heardOnB.TrySetResult(c);
            }
            return Task.CompletedTask;
        });
        using var strangerOnB = nodeB.Get<InstanceChangeNotifier>().Subscribe(stranger, _ => { Interlocked.Increment(ref heardByStrangerOnB); return Task.CompletedTask; });
        using var ownerOnA = nodeA.Get<InstanceChangeNotifier>().Subscribe(owner, c =>
        {
            if (c.Kind == InstanceChangeKind.Updated)
            {
                Interlocked.Increment(ref heardOnA);
            }
            return Task.CompletedTask;
        });

        var admin = await nodeA.AdminAsync();
        var updated = await nodeA.Get<InstanceService>().UpdateAsync(admin, instance.Id, instance.ToQuotas() with { MaxDesktops = 99 }, instance.Version);

        Assert.True(updated.Succeeded);
        var change = await heardOnB.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(instance.Id, change.InstanceId);
        Assert.Equal(InstanceChangeKind.Updated, change.Kind);
        // B re-reads the row: the value it shows is the one A saved.
        Assert.Equal(99, (await nodeB.Get<InstanceService>().GetAsync(owner, change.InstanceId))!.MaxDesktops);
        Assert.Equal(0, heardByStrangerOnB);
        Assert.Equal(1, heardOnA); // delivered locally once, not again through its own message

        await stop.CancelAsync();
        await relayA.StopAsync(CancellationToken.None);
        await relayB.StopAsync(CancellationToken.None);
    }
}
