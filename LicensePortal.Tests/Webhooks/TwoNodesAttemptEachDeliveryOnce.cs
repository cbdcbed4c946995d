using LicensePortal.Data;
using LicensePortal.Services.Webhooks;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Webhooks;

/// <summary>
/// Two portal nodes on one database dispatch at the same moment: each delivery is claimed by one of them and attempted
/// once (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer). The events come from <see cref="WebhookEvents.AddExpiring"/>,
/// the method the expiry reminders call.
/// </summary>
public sealed class TwoNodesAttemptEachDeliveryOnce
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.Postgres];

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task Each_delivery_reaches_the_receiver_once_when_two_nodes_dispatch_together(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        // Nodes share the key directory as deployed nodes do: the Data Protection certificate in it decrypts the secret on either node.
        var keys = Directory.CreateTempSubdirectory("lp-hook-keys-");
        using var removeKeys = new DirectoryRemoval(keys);
        var settings = new Dictionary<string, string?> { ["Webhooks:AllowPrivateNetworks"] = "true", ["Licensing:KeyDirectory"] = keys.FullName };
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var nodeA = await PortalServices.StartAsync(provider, shared: database, settings: settings);
        await using var nodeB = await PortalServices.StartAsync(provider, shared: database, settings: settings);
        await using var receiver = await WebhookReceiver.StartAsync();
        var admin = await nodeA.AdminAsync();
        var created = await nodeA.Get<WebhookService>().CreateAsync(admin, new WebhookInput(receiver.Url.ToString(), "", [WebhookEvents.InstanceExpiring]));
        Assert.True(created.Succeeded);

        const int count = 30;
        var dbFactory = nodeA.Get<IDbContextFactory<AppDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            for (var i = 0; i < count; i++)
            {
                var instance = await nodeA.CreateInstanceAsync($"two-node-{i:00}", admin);
                var entity = await db.Instances.FirstAsync(x => x.Id == instance.Id);
                WebhookEvents.AddExpiring(db, entity, 7, nodeA.Time.GetUtcNow().UtcDateTime);
            }
            await db.SaveChangesAsync();
        }

        var a = nodeA.Get<WebhookDispatcher>();
        var b = nodeB.Get<WebhookDispatcher>();
        for (var round = 0; round < 5 && receiver.Received.Count < count; round++)
        {
            await Task.WhenAll(Task.Run(() => a.RunOnceAsync(CancellationToken.None)), Task.Run(() => b.RunOnceAsync(CancellationToken.None)));
        }

        var received = await receiver.WaitForAsync(count, seconds: 5);
        Assert.Equal(count, received.Count);
        Assert.Equal(count, received.Select(r => r.Delivery).Distinct().Count());
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            Assert.Equal(count, await db.WebhookDeliveries.CountAsync(d => d.State == WebhookDeliveryState.Delivered && d.Attempts == 1));
            Assert.Equal(count, await db.WebhookAttempts.CountAsync());
            Assert.Equal(0, await db.WebhookEvents.CountAsync(e => e.FannedOutAt == null));
        }
    }
}

internal sealed class DirectoryRemoval(DirectoryInfo directory) : IDisposable
{
    public void Dispose() => directory.Delete(recursive: true);
}
