using System.Net;
using System.Text;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>The portal's vendor signing keys: made at first start with private file modes, rotated, served without the private half.</summary>
public sealed class VendorKeyTests
{
    private const string Name = "alice-01";
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static UnixFileMode Mode(string path) =>
        !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path) : throw new PlatformNotSupportedException("file modes are a Unix matter");

    private static string KeyDirectory(IServiceProvider services) => services.GetRequiredService<IOptions<LicensingOptions>>().Value.KeyDirectory!;

    [Fact]
    public async Task The_first_start_creates_one_signing_key_readable_only_by_the_portal_user()
    {
        await using var portal = await PortalServices.StartAsync();
        var store = portal.Get<VendorKeyStore>();
        var directory = KeyDirectory(portal.Services);

        var keyFile = Assert.Single(Directory.GetFiles(directory, "*.key"));

        Assert.Equal(OwnerOnlyFolder, Mode(directory));
        Assert.Equal(OwnerReadWrite, Mode(keyFile));
        Assert.Equal(OwnerReadWrite, Mode(Path.Combine(directory, "current")));
        var privateKey = VendorKey.ImportPrivate(await File.ReadAllTextAsync(keyFile));
        var current = Assert.Single(store.All);
        Assert.True(current.IsCurrent);
        Assert.Equal((privateKey.KeyId, privateKey.PublicKey), (current.KeyId, current.PublicKey));
        Assert.Equal(current, store.CurrentInfo);
        Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
    }

    [Fact]
    public async Task Adding_a_key_makes_it_current_and_keeps_the_old_one()
    {
        await using var portal = await PortalServices.StartAsync();
        var store = portal.Get<VendorKeyStore>();
        var old = store.CurrentInfo;

        var added = store.AddKey();

        Assert.NotEqual(old.KeyId, added.KeyId);
        Assert.True(added.IsCurrent);
        Assert.Equal(added.KeyId, store.CurrentInfo.KeyId);
        Assert.Equal(new[] { old.KeyId, added.KeyId }.Order(StringComparer.Ordinal), store.All.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        Assert.False(store.Find(old.KeyId)!.IsCurrent);
        Assert.Equal(old.PublicKey, store.Find(old.KeyId)!.PublicKey);
        var files = Directory.GetFiles(KeyDirectory(portal.Services), "*.key");
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.Equal(OwnerReadWrite, Mode(f)));
    }

    [Fact]
    public async Task A_restarted_store_keeps_the_added_key_current()
    {
        await using var portal = await PortalServices.StartAsync();
        var added = portal.Get<VendorKeyStore>().AddKey();

        var reloaded = new VendorKeyStore(portal.Get<IOptions<LicensingOptions>>(), portal.Get<IHostEnvironment>(), portal.Time, NullLogger<VendorKeyStore>.Instance);

        Assert.Equal(added.KeyId, reloaded.CurrentInfo.KeyId);
        Assert.Equal(2, reloaded.All.Count);
    }

    [Fact]
    public async Task A_license_issued_before_rotation_still_verifies_with_the_old_key_served_by_key_id()
    {
        await using var portal = await PortalServices.StartAsync();
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        var key = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, key);
        var before = (await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)).Value!;
        var oldKeyId = portal.Get<VendorKeyStore>().CurrentInfo.KeyId;

        var added = portal.Get<VendorKeyStore>().AddKey();

        var oldPublic = VendorPublicKey.Import(portal.Get<VendorKeyStore>().Find(oldKeyId)!.PublicKeyFile);
        var verified = LicenseVerifier.Verify(before.FileText, key, [oldPublic], new HostIdentity(Mac, Serial), portal.Time.GetUtcNow());
        Assert.True(verified.IsValid, verified.Message);
        var after = (await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)).Value!;
        Assert.Equal((2, true), (after.Revision, after.NewRevision));
        Assert.Equal(added.KeyId, LicenseFile.ReadHeader(after.FileText).VendorKeyId);
        var withNew = LicenseVerifier.Verify(after.FileText, key, [added.PublicKey], new HostIdentity(Mac, Serial), portal.Time.GetUtcNow());
        Assert.True(withNew.IsValid, withNew.Message);
        Assert.Equal(added.KeyId, withNew.Content!.VendorKeyId);
        Assert.Equal(LicenseErrorCode.UnknownVendorKey, LicenseVerifier.Verify(after.FileText, key, [oldPublic], new HostIdentity(Mac, Serial), portal.Time.GetUtcNow()).Code);
    }

    [Fact]
    public async Task Over_HTTP_the_old_key_is_served_by_key_id_and_verifies_the_license_issued_before_rotation()
    {
        await using var factory = new PortalWebFactory();
        var (alice, _) = await factory.CreateUserAsync("alice");
        var created = await factory.Services.GetRequiredService<InstanceService>().CreateAsync(await factory.AdminAsync(),
            new NewInstance(Name, alice.UserId, new InstanceQuotas(10, 5, 20, 64, 256, 2048, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1))));
        Assert.True(created.Succeeded);
        var licenses = factory.Services.GetRequiredService<LicenseService>();
        var key = HostKey.Generate();
        Assert.True((await licenses.UploadHostInfoAsync(alice, Name, HostInfo(Name, key))).Value!.Accepted);
        var before = (await licenses.GenerateAsync(alice, Name, Address)).Value!;
        var store = factory.Services.GetRequiredService<VendorKeyStore>();
        var oldKeyId = store.CurrentInfo.KeyId;
        var added = store.AddKey();
        var client = factory.CreateBrowser();

        using var oldResponse = await client.GetAsync(new Uri($"/vendor-key/{oldKeyId}", UriKind.Relative));
        using var currentResponse = await client.GetAsync(new Uri("/vendor-key", UriKind.Relative));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (oldResponse.StatusCode, currentResponse.StatusCode));
        var oldPublic = VendorPublicKey.Import(await oldResponse.Content.ReadAsStringAsync());
        var currentPublic = VendorPublicKey.Import(await currentResponse.Content.ReadAsStringAsync());
        Assert.Equal((oldKeyId, added.KeyId), (oldPublic.KeyId, currentPublic.KeyId));
        var verified = LicenseVerifier.Verify(before.FileText, key, [oldPublic], new HostIdentity(Mac, Serial), DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, verified.Message);
        var after = (await licenses.GenerateAsync(alice, Name, Address)).Value!;
        Assert.Equal(added.KeyId, LicenseFile.ReadHeader(after.FileText).VendorKeyId);
        Assert.True(LicenseVerifier.Verify(after.FileText, key, [currentPublic], new HostIdentity(Mac, Serial), DateTimeOffset.UtcNow).IsValid);
    }

    [Fact]
    public async Task The_private_key_never_appears_in_the_vendor_key_downloads()
    {
        await using var factory = new PortalWebFactory();
        var store = factory.Services.GetRequiredService<VendorKeyStore>();
        store.AddKey();
        var client = factory.CreateBrowser();
        var privateBodies = Directory.GetFiles(KeyDirectory(factory.Services), "*.key")
            .Select(f => File.ReadAllLines(f).Single(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal) && !l.Contains(':', StringComparison.Ordinal)))
            .ToList();
        Assert.Equal(2, privateBodies.Count);

        var bodies = new List<string>();
        foreach (var path in store.All.Select(k => $"/vendor-key/{k.KeyId}").Append("/vendor-key"))
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()));
        }

        Assert.Equal(3, bodies.Count);
        Assert.All(bodies, b => Assert.Contains("-----BEGIN LICENSEPORTAL VENDOR PUBLIC KEY-----", b, StringComparison.Ordinal));
        Assert.All(bodies, b => Assert.DoesNotContain("PRIVATE", b, StringComparison.Ordinal));
        Assert.All(bodies, b => Assert.All(privateBodies, secret => Assert.DoesNotContain(secret, b, StringComparison.Ordinal)));
    }
}
