using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Notifications;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using LicensePortal.Tests.Licensing.Portal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Notifications;

/// <summary>
/// Portal nodes share one vendor key directory. A key added on one node is used by the others without a restart: they
/// re-read the directory when told (PostgreSQL NOTIFY, no key material) or when asked for a key id they do not know.
/// </summary>
public sealed class VendorKeyRotationTests
{
    private static VendorKeyStore Store(string directory) => new(
        Microsoft.Extensions.Options.Options.Create(new LicensingOptions { KeyDirectory = directory }),
        new HostingEnvironment { ContentRootPath = directory }, TimeProvider.System, NullLogger<VendorKeyStore>.Instance);

    /// <summary>Polls until <paramref name="done"/> holds, or fails after 20 s.</summary>
    private static async Task EventuallyAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public void A_store_asked_for_a_key_id_another_store_added_to_the_shared_directory_reads_it_and_its_current_key()
    {
        var directory = Directory.CreateTempSubdirectory("lp-keys-").FullName;
        try
        {
            var nodeA = Store(directory);
            var nodeB = Store(directory);
            var first = nodeA.CurrentInfo.KeyId;
            Assert.Equal(first, nodeB.CurrentInfo.KeyId);

            var added = nodeA.AddKey()!;

            // No notice here: B learns of the key because it is asked for its id.
            var found = nodeB.Find(added.KeyId);
            Assert.NotNull(found);
            Assert.Equal(added.PublicKey, found.PublicKey);
            Assert.Equal(added.KeyId, nodeB.CurrentInfo.KeyId);
            Assert.Equal(2, nodeB.All.Count);
            // Ids that are not key ids, or name no file, read nothing and find nothing.
            Assert.Null(nodeB.Find("0123456789abcdef"));
            Assert.Null(nodeB.Find("../" + Path.GetFileName(directory) + "/" + added.KeyId));
            Assert.Null(nodeB.Find(added.KeyId.ToUpperInvariant()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_re_read_of_a_directory_that_looks_empty_keeps_the_keys_and_makes_none()
    {
        var directory = Directory.CreateTempSubdirectory("lp-keys-").FullName;
        var aside = Directory.CreateTempSubdirectory("lp-keys-aside-").FullName;
        try
        {
            var store = Store(directory);
            Assert.NotNull(store.AddKey());
            var before = store.All;
            // As if the shared volume were not mounted: the folder is there, the files are not.
            foreach (var file in Directory.GetFiles(directory))
            {
                File.Move(file, Path.Combine(aside, Path.GetFileName(file)));
            }

            Assert.False(store.Reload());

            Assert.Equal(before, store.All);
            Assert.Empty(Directory.GetFiles(directory));
            Assert.NotNull(store.Find(before[0].KeyId));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            Directory.Delete(aside, recursive: true);
        }
    }

    /// <summary>keys request, keys certify (on the "root's machine" folder) and keys install, in process; returns the installed key id.</summary>
    private static string Ceremony(string directory, string rootMachine)
    {
        var request = Path.Combine(rootMachine, Guid.NewGuid().ToString("N") + ".request");
        PortalCli.Ok(directory, "keys", "request", "--out", request);
        PortalCli.Ok(directory, "keys", "certify", "--root", Path.Combine(rootMachine, "vendor-root.key"), "--request", request, "--out", request + ".cert");
        PortalCli.Ok(directory, "keys", "install", "--certificate", request + ".cert");
        return File.ReadAllText(Path.Combine(directory, "current")).Trim();
    }

    /// <summary>A key directory whose root is kept in <paramref name="rootMachine"/>, with one installed key.</summary>
    private static string OfflineRootDirectory(string directory, string rootMachine)
    {
        PortalCli.Ok(directory, "keys", "init-root", "--out", rootMachine);
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(rootMachine, "vendor-root.pub"), Path.Combine(directory, "vendor-root.pub"));
        return Ceremony(directory, rootMachine);
    }

    [Fact]
    public async Task A_key_made_current_by_keys_install_is_taken_up_by_every_running_node_within_seconds_without_a_notice()
    {
        var work = Directory.CreateTempSubdirectory("lp-keys-").FullName;
        try
        {
            var directory = Path.Combine(work, "keys");
            var rootMachine = Path.Combine(work, "root");
            var first = OfflineRootDirectory(directory, rootMachine);
            var nodeA = Store(directory);
            var nodeB = Store(directory);
            Assert.Equal((first, first, false), (nodeA.CurrentInfo.KeyId, nodeB.CurrentInfo.KeyId, nodeA.RootIsOnline));

            var second = Ceremony(directory, rootMachine);

            await EventuallyAsync(() => nodeA.CurrentInfo.KeyId == second && nodeB.CurrentInfo.KeyId == second, "both nodes to take up the installed key");
            Assert.All(new[] { nodeA, nodeB }, node =>
            {
                Assert.Equal(2, node.All.Count);
                Assert.All(node.All, k => Assert.True(k.Certificate!.IsSignedBy(node.Root)));
                Assert.False(node.Find(first)!.IsCurrent);
            });
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_running_node_keeps_signing_with_its_key_when_the_current_file_names_a_key_without_a_certificate()
    {
        var work = Directory.CreateTempSubdirectory("lp-keys-").FullName;
        try
        {
            var directory = Path.Combine(work, "keys");
            var first = OfflineRootDirectory(directory, Path.Combine(work, "root"));
            var node = Store(directory);
            Assert.Equal(first, node.CurrentInfo.KeyId);
            PortalCli.Ok(directory, "keys", "request", "--out", Path.Combine(work, "pending.request"));
            var pending = VendorPublicKey.Import(await File.ReadAllTextAsync(Path.Combine(work, "pending.request"))).KeyId;

            // Someone points `current` at the uncertified key by hand.
            VendorKeyDirectory.WriteFile(Path.Combine(directory, "current"), pending, secret: true);
            await Task.Delay(VendorKeyStore.CurrentFileCheckInterval * 2);

            Assert.Equal(first, node.CurrentInfo.KeyId);
            Assert.Null(node.Find(pending)?.Certificate);
            Assert.True(node.Find(first)!.IsCurrent);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_key_added_on_node_A_signs_the_next_license_on_node_B_and_the_notice_carries_no_key_material()
    {
        TestDatabases.SkipIfUnavailable(DatabaseProvider.Postgres);
        var keys = Directory.CreateTempSubdirectory("lp-shared-keys-").FullName;
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Postgres);
        void SharedKeys(IServiceCollection services) => services.PostConfigure<LicensingOptions>(o => o.KeyDirectory = keys);
        await using var nodeA = await PortalServices.StartAsync(DatabaseProvider.Postgres, SharedKeys, shared: database);
        await using var nodeB = await PortalServices.StartAsync(DatabaseProvider.Postgres, SharedKeys, shared: database);
        var storeA = nodeA.Get<VendorKeyStore>();
        var storeB = nodeB.Get<VendorKeyStore>();
        var first = storeA.CurrentInfo.KeyId;
        Assert.Equal(first, storeB.CurrentInfo.KeyId);
        using var stop = new CancellationTokenSource();
        var relayA = nodeA.Get<PostgresChangeRelay>();
        var relayB = nodeB.Get<PostgresChangeRelay>();
        await relayA.StartAsync(stop.Token);
        await relayB.StartAsync(stop.Token);
        await Task.WhenAll(relayA.Listening, relayB.Listening).WaitAsync(TimeSpan.FromSeconds(20));
        // A third listener records what goes over the wire.
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new NpgsqlConnection(database.ConnectionString);
        await listener.OpenAsync();
        listener.Notification += (_, e) => heard.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresChangeRelay.VendorKeyChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }
        var alice = await nodeB.CreateUserAsync("alice");
        await nodeB.CreateInstanceAsync("alice-01", alice);
        var hostKey = HostKey.Generate();
        await UploadValidAsync(nodeB, alice, "alice-01", hostKey);

        var added = await storeA.AddKeyAsync(await nodeA.AdminAsync());

        Assert.True(added.Succeeded);
        var newKey = added.Value!.KeyId;
        await EventuallyAsync(() => storeB.CurrentInfo.KeyId == newKey, "node B to take the new key as current");
        var license = await nodeB.Get<LicenseService>().GenerateAsync(alice, "alice-01", Address);
        Assert.True(license.Succeeded, Why(license));
        Assert.Equal(newKey, LicenseFile.ReadHeader(license.Value!.FileText).VendorKeyId);
        Assert.True(Verify(nodeB, license.Value.FileText, hostKey).IsValid);
        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(20)), "no vendor key notice on the wire");
        var payload = await heard.Task.WaitAsync(TimeSpan.FromSeconds(1));
        var privateFile = await File.ReadAllTextAsync(Path.Combine(keys, newKey + ".key"));
        var secretLines = privateFile.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal));
        Assert.All(secretLines, secret => Assert.DoesNotContain(secret.Trim(), payload, StringComparison.Ordinal));
        Assert.DoesNotContain(newKey, payload, StringComparison.Ordinal);
        Assert.True(payload.Length <= 32, payload);

        await stop.CancelAsync();
        await relayA.StopAsync(CancellationToken.None);
        await relayB.StopAsync(CancellationToken.None);
        Directory.Delete(keys, recursive: true);
    }
}
