using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Notifications;

/// <summary>
/// Live updates between nodes through a real Redis server (LiveUpdates:Redis): what goes over the wire, vendor keys, and a
/// Redis that is down when the portal starts.
/// </summary>
public sealed class RedisRelayTests
{
    private static Dictionary<string, string?> Settings(string redis) => new() { ["LiveUpdates:Redis"] = redis };

    /// <summary>Two portal nodes on one database, each with its Redis relay started; disposing stops the relays, then the nodes.</summary>
    private sealed class TwoNodes : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        private TwoNodes(PortalServices a, PortalServices b) => (A, B) = (a, b);

        public PortalServices A { get; }
        public PortalServices B { get; }
        public RedisChangeRelay RelayA => A.Get<RedisChangeRelay>();
        public RedisChangeRelay RelayB => B.Get<RedisChangeRelay>();

        public static async Task<TwoNodes> StartAsync(TestDatabase database, string redis, Action<IServiceCollection>? configure = null)
        {
            var nodes = new TwoNodes(
                await PortalServices.StartAsync(DatabaseProvider.Postgres, configure, database, Settings(redis)),
                await PortalServices.StartAsync(DatabaseProvider.Postgres, configure, database, Settings(redis)));
            await nodes.RelayA.StartAsync(nodes._stop.Token);
            await nodes.RelayB.StartAsync(nodes._stop.Token);
            return nodes;
        }

        public Task ListeningAsync(TimeSpan within) => Task.WhenAll(RelayA.Listening, RelayB.Listening).WaitAsync(within);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await RelayA.StopAsync(CancellationToken.None);
            await RelayB.StopAsync(CancellationToken.None);
            await A.DisposeAsync();
            await B.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds, or fails after 30 s.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>A client of the test's own that records every message on a channel, as anyone with access to Redis could.</summary>
    private static async Task<(ConnectionMultiplexer Client, List<string> Messages)> WiretapAsync(RedisServer redis, string channel)
    {
        var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var messages = new List<string>();
        await client.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, m) => { lock (messages) { messages.Add(m.ToString()); } });
        return (client, messages);
    }

    [SkippableFact]
    public async Task An_instance_change_travels_as_ids_only_and_a_forged_message_makes_pages_re_read_not_see()
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        RedisServer.SkipIfUnavailable();
        await using var redis = await RedisServer.StartAsync();
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        await using var nodes = await TwoNodes.StartAsync(database, redis.Configuration);
        var (nodeA, nodeB) = (nodes.A, nodes.B);
        await nodes.ListeningAsync(TimeSpan.FromSeconds(20));
        var (tap, messages) = await WiretapAsync(redis, nodes.RelayA.InstancesChannel);
        using var _ = tap;
        var alice = await nodeA.CreateUserAsync("alice");
        var bob = await nodeA.CreateUserAsync("bob");
        var instance = await nodeA.CreateInstanceAsync("alice-secret-name", alice, desktops: 7);
        var heardByBob = new TaskCompletionSource<InstanceChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var bobOnB = nodeB.Get<InstanceChangeNotifier>().Subscribe(bob, c => { heardByBob.TrySetResult(c); return Task.CompletedTask; });

        var admin = await nodeA.AdminAsync();
        Assert.True((await nodeA.Get<InstanceService>().UpdateAsync(admin, instance.Id, instance.ToQuotas() with { MaxDesktops = 4242 }, instance.Version)).Succeeded);

        await EventuallyAsync(() => Task.FromResult(messages.Count >= 2), "the create and the update on the wire");
        string[] wire;
        lock (messages)
        {
            wire = [.. messages];
        }
        Assert.All(wire, m =>
        {
            var parts = m.Split('|');
            Assert.Equal(4, parts.Length); // node, instance id, owner id, kind
            Assert.Equal(instance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), parts[1]);
            Assert.Equal(alice.UserId, parts[2]);
            Assert.DoesNotContain("alice-secret-name", m, StringComparison.Ordinal);
            Assert.DoesNotContain("4242", m, StringComparison.Ordinal);
        });

        // Someone with access to Redis claims alice's instance belongs to bob: bob's page on B refreshes, and its re-read,
        // with bob's rights, finds nothing of alice's.
        await tap.GetSubscriber().PublishAsync(RedisChannel.Literal(nodes.RelayA.InstancesChannel), $"forger|{instance.Id}|{bob.UserId}|Updated");
        var forged = await heardByBob.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(instance.Id, forged.InstanceId);
        Assert.Null(await nodeB.Get<InstanceService>().GetAsync(bob, forged.InstanceId));
        Assert.Empty((await nodeB.Get<InstanceService>().ListAsync(bob, new InstanceQuery(0, 25, null, "", "", InstanceSort.Name, false))).Items);

    }

    [SkippableFact]
    public async Task A_key_added_on_node_A_signs_the_next_license_on_node_B_after_the_Redis_notice()
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        RedisServer.SkipIfUnavailable();
        await using var redis = await RedisServer.StartAsync();
        var keys = Directory.CreateTempSubdirectory("lp-shared-keys-").FullName;
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        void SharedKeys(IServiceCollection services) => services.PostConfigure<LicensingOptions>(o => o.KeyDirectory = keys);
        await using var nodes = await TwoNodes.StartAsync(database, redis.Configuration, SharedKeys);
        var (nodeA, nodeB) = (nodes.A, nodes.B);
        await nodes.ListeningAsync(TimeSpan.FromSeconds(20));
        var (tap, messages) = await WiretapAsync(redis, "licenseportal:vendorkeys");
        using var _ = tap;
        var storeB = nodeB.Get<VendorKeyStore>();
        var alice = await nodeB.CreateUserAsync("alice");
        await nodeB.CreateInstanceAsync("alice-01", alice);
        var hostKey = HostKey.Generate();
        await UploadValidAsync(nodeB, alice, "alice-01", hostKey);

        var added = await nodeA.Get<VendorKeyStore>().AddKeyAsync(await nodeA.AdminAsync());

        Assert.True(added.Succeeded);
        var newKey = added.Value!.KeyId;
        await EventuallyAsync(() => Task.FromResult(storeB.CurrentInfo.KeyId == newKey), "node B to take the new key as current");
        var license = await nodeB.Get<LicenseService>().GenerateAsync(alice, "alice-01", Address);
        Assert.True(license.Succeeded, Why(license));
        Assert.Equal(newKey, LicenseFile.ReadHeader(license.Value!.FileText).VendorKeyId);
        // The notice is a node id: no key id, no key material.
        await EventuallyAsync(() => Task.FromResult(messages.Count >= 1), "the notice on the wire");
        string notice;
        lock (messages)
        {
            notice = messages[0];
        }
        Assert.DoesNotContain(newKey, notice, StringComparison.Ordinal);
        Assert.True(notice.Length <= 32, notice);

        Directory.Delete(keys, recursive: true);
    }

    [SkippableFact]
    public async Task A_node_started_while_Redis_is_down_saves_and_updates_its_own_pages_and_hears_the_other_node_once_Redis_is_up()
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        RedisServer.SkipIfUnavailable();
        var port = RedisServer.FreePort();
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        await using var nodes = await TwoNodes.StartAsync(database, $"127.0.0.1:{port},connectTimeout=1000");
        var (nodeA, nodeB) = (nodes.A, nodes.B);
        var owner = await nodeA.CreateUserAsync("alice");
        var instance = await nodeA.CreateInstanceAsync("alice-01", owner, desktops: 10);
        var seenOnA = 0;
        var seenOnB = 0;
        using var onA = nodeA.Get<InstanceChangeNotifier>().Subscribe(owner, c => { Interlocked.Increment(ref seenOnA); return Task.CompletedTask; });
        using var onB = nodeB.Get<InstanceChangeNotifier>().Subscribe(owner, c => { Interlocked.Increment(ref seenOnB); return Task.CompletedTask; });
        var admin = await nodeA.AdminAsync();
        var instances = nodeA.Get<InstanceService>();

        // Redis is down: the save still succeeds, and node A's own pages hear of it.
        var saved = await instances.UpdateAsync(admin, instance.Id, instance.ToQuotas() with { MaxDesktops = 11 }, instance.Version);
        Assert.True(saved.Succeeded);
        Assert.Equal(1, seenOnA);
        Assert.Equal(11, (await instances.GetAsync(admin, instance.Id))!.MaxDesktops);

        // Redis comes up on the configured port: both nodes connect and subscribe by themselves.
        await using var redis = await RedisServer.StartAsync(port);
        await nodes.ListeningAsync(TimeSpan.FromSeconds(60));
        var version = saved.Value!.Version;
        var desktops = 12;
        // Until B's subscription is live on the server, a message can go by unheard: save again until B hears one.
        await EventuallyAsync(async () =>
        {
            var next = await instances.UpdateAsync(admin, instance.Id, instance.ToQuotas() with { MaxDesktops = desktops++ }, version);
            Assert.True(next.Succeeded);
            version = next.Value!.Version;
            await Task.Delay(200);
            return Volatile.Read(ref seenOnB) > 0;
        }, "node B to hear a change made on node A");

    }

    [Theory]
    [InlineData("127.0.0.1:6379,nonsense=1")]
    [InlineData("127.0.0.1:6379,abortConnect=maybe")]
    [InlineData(",")]
    public async Task A_Redis_setting_the_client_cannot_read_is_refused_with_a_message_naming_it(string redis)
    {
        await using var portal = await PortalServices.StartAsync(settings: Settings(redis));

        var refused = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => portal.Get<Microsoft.Extensions.Options.IOptions<LiveUpdatesOptions>>().Value);

        Assert.Contains("LiveUpdates:Redis", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_prefix_that_is_not_a_plain_name_is_refused()
    {
        await using var portal = await PortalServices.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LiveUpdates:Redis"] = "127.0.0.1:6379",
            ["LiveUpdates:ChannelPrefix"] = "portal instances*",
        });

        var refused = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => portal.Get<Microsoft.Extensions.Options.IOptions<LiveUpdatesOptions>>().Value);

        Assert.Contains("ChannelPrefix", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Redis_setting_turns_the_PostgreSQL_relay_off_and_no_setting_leaves_SQLite_without_a_relay()
    {
        await using var sqlite = await PortalServices.StartAsync();
        await using var withRedis = await PortalServices.StartAsync(settings: Settings("127.0.0.1:6379"));

        Assert.Null(sqlite.Services.GetService<RedisChangeRelay>());
        Assert.Null(sqlite.Services.GetService<PostgresChangeRelay>());
        Assert.NotNull(withRedis.Services.GetService<RedisChangeRelay>());
        Assert.Null(withRedis.Services.GetService<PostgresChangeRelay>());
        Assert.Equal("licenseportal", withRedis.Get<Microsoft.Extensions.Options.IOptions<LiveUpdatesOptions>>().Value.ChannelPrefix);
    }
}
