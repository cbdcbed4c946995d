using System.Net;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// The portal's vendor keys: at first start a root and a certified signing key with private file modes; rotated; served
/// without any private half; hosts verify every license, before and after a rotation, with the one root.
/// </summary>
public sealed class VendorKeyTests
{
    private const string Name = "alice-01";
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static UnixFileMode Mode(string path) =>
        !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path) : throw new PlatformNotSupportedException("file modes are a Unix matter");

    private static string KeyDirectory(IServiceProvider services) => services.GetRequiredService<IOptions<LicensingOptions>>().Value.KeyDirectory!;

    /// <summary>Every file of a folder with its bytes, to show that something changed nothing.</summary>
    public static SortedDictionary<string, string> Files(string directory) =>
        new(Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), f => Convert.ToBase64String(File.ReadAllBytes(f))), StringComparer.Ordinal);

    [Fact]
    public async Task The_first_start_creates_the_root_and_one_certified_current_signing_key_with_secrets_readable_only_by_the_portal_user()
    {
        await using var portal = await PortalServices.StartAsync();
        var store = portal.Get<VendorKeyStore>();
        var directory = KeyDirectory(portal.Services);

        var keyFile = Assert.Single(Directory.GetFiles(directory, "*.key"), f => Path.GetFileName(f) != "vendor-root.key");
        var rootKeyFile = Path.Combine(directory, "vendor-root.key");
        var rootPublicFile = Path.Combine(directory, "vendor-root.pub");

        Assert.Equal(OwnerOnlyFolder, Mode(directory));
        Assert.Equal(OwnerReadWrite, Mode(rootKeyFile));
        Assert.Equal(OwnerReadWrite, Mode(keyFile));
        Assert.Equal(OwnerReadWrite, Mode(Path.Combine(directory, "current")));
        var root = VendorRootKey.ImportPrivate(await File.ReadAllTextAsync(rootKeyFile));
        Assert.Equal(root.PublicKey, VendorRootPublicKey.Import(await File.ReadAllTextAsync(rootPublicFile)));
        Assert.Equal(root.PublicKey, store.Root);
        Assert.True(store.RootIsOnline);
        var privateKey = VendorKey.ImportPrivate(await File.ReadAllTextAsync(keyFile));
        var current = Assert.Single(store.All);
        Assert.True(current.IsCurrent);
        Assert.Equal((privateKey.KeyId, privateKey.PublicKey), (current.KeyId, current.PublicKey));
        Assert.Equal(current, store.CurrentInfo);
        var certificate = SigningKeyCertificate.Import(await File.ReadAllTextAsync(Path.Combine(directory, privateKey.KeyId + ".cert")));
        Assert.True(certificate.IsSignedBy(store.Root));
        Assert.Equal(privateKey.PublicKey, certificate.SigningKey);
        Assert.True(certificate.Covers(portal.Time.GetUtcNow()));
        Assert.Equal(portal.Time.GetUtcNow().AddDays(1826), certificate.ValidUntil); // Licensing:CertificateValidity's default
        Assert.Equal((certificate.ValidFrom, certificate.ValidUntil), (current.Certificate!.ValidFrom, current.Certificate.ValidUntil));
        Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
    }

    [Fact]
    public async Task Adding_a_key_makes_it_current_certified_by_the_same_root_and_keeps_the_old_one()
    {
        await using var portal = await PortalServices.StartAsync();
        var store = portal.Get<VendorKeyStore>();
        var old = store.CurrentInfo;
        var root = store.Root;

        var added = store.AddKey()!;

        Assert.NotEqual(old.KeyId, added.KeyId);
        Assert.True(added.IsCurrent);
        Assert.Equal(added.KeyId, store.CurrentInfo.KeyId);
        Assert.True(added.Certificate!.IsSignedBy(root));
        Assert.Equal(root, store.Root);
        Assert.Equal(new[] { old.KeyId, added.KeyId }.Order(StringComparer.Ordinal), store.All.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        Assert.False(store.Find(old.KeyId)!.IsCurrent);
        Assert.Equal(old.PublicKey, store.Find(old.KeyId)!.PublicKey);
        var files = Directory.GetFiles(KeyDirectory(portal.Services), "*.key");
        Assert.Equal(3, files.Length); // two signing keys and the root
        Assert.All(files, f => Assert.Equal(OwnerReadWrite, Mode(f)));
    }

    [Fact]
    public async Task A_restarted_store_keeps_the_added_key_current()
    {
        await using var portal = await PortalServices.StartAsync();
        var added = portal.Get<VendorKeyStore>().AddKey()!;

        var reloaded = new VendorKeyStore(portal.Get<IOptions<LicensingOptions>>(), portal.Get<IHostEnvironment>(), portal.Time, NullLogger<VendorKeyStore>.Instance);

        Assert.Equal(added.KeyId, reloaded.CurrentInfo.KeyId);
        Assert.Equal(2, reloaded.All.Count);
        Assert.Equal(portal.Get<VendorKeyStore>().Root, reloaded.Root);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Licenses_signed_before_and_after_a_rotation_verify_with_the_same_root_and_with_no_other(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        var key = HostKey.Generate();
        await UploadValidAsync(portal, alice, Name, key);
        var store = portal.Get<VendorKeyStore>();
        var root = VendorRootPublicKey.Import(await File.ReadAllTextAsync(Path.Combine(KeyDirectory(portal.Services), "vendor-root.pub")));
        var before = (await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)).Value!;
        var oldKeyId = store.CurrentInfo.KeyId;

        var added = store.AddKey()!;
        var after = (await portal.Get<LicenseService>().GenerateAsync(alice, Name, Address)).Value!;

        Assert.Equal((2, true), (after.Revision, after.NewRevision));
        Assert.Equal(oldKeyId, LicenseFile.ReadHeader(before.FileText).VendorKeyId);
        Assert.Equal(added.KeyId, LicenseFile.ReadHeader(after.FileText).VendorKeyId);
        foreach (var (license, signer) in new[] { (before, oldKeyId), (after, added.KeyId) })
        {
            var verified = LicenseVerifier.Verify(license.FileText, key, root, new HostIdentity(Mac, Serial), portal.Time.GetUtcNow());
            Assert.True(verified.IsValid, verified.Message);
            Assert.Equal((signer, root.KeyId), (verified.Content!.VendorKeyId, verified.Content.RootKeyId));
            var otherRoot = VendorRootKey.Generate().PublicKey;
            Assert.Equal(LicenseErrorCode.UnknownRootKey, LicenseVerifier.Verify(license.FileText, key, otherRoot, new HostIdentity(Mac, Serial), portal.Time.GetUtcNow()).Code);
        }
    }

    [Fact]
    public async Task Over_HTTP_the_root_verifies_licenses_from_before_and_after_a_rotation_and_old_signing_keys_stay_served()
    {
        await using var factory = new PortalWebFactory();
        var (alice, _) = await factory.CreateUserAsync("alice");
        var created = await factory.Services.GetRequiredService<InstanceService>().CreateAsync(await factory.AdminAsync(),
            new NewInstance(Name, alice.UserId, new InstanceQuotas(10, 5, 20, 64, 256, 2048, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1))));
        Assert.True(created.Succeeded);
        var licenses = factory.Services.GetRequiredService<LicenseService>();
        var key = HostKey.Generate();
        Assert.True((await factory.Services.GetRequiredService<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, key))).Value!.Accepted);
        var before = (await licenses.GenerateAsync(alice, Name, Address)).Value!;
        var store = factory.Services.GetRequiredService<VendorKeyStore>();
        var oldKeyId = store.CurrentInfo.KeyId;
        var added = store.AddKey()!;
        var after = (await licenses.GenerateAsync(alice, Name, Address)).Value!;
        var client = factory.CreateBrowser();

        using var rootResponse = await client.GetAsync(new Uri("/vendor-root.pub", UriKind.Relative));
        using var oldResponse = await client.GetAsync(new Uri($"/vendor-key/{oldKeyId}", UriKind.Relative));
        using var currentResponse = await client.GetAsync(new Uri("/vendor-key", UriKind.Relative));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (rootResponse.StatusCode, oldResponse.StatusCode, currentResponse.StatusCode));
        var root = VendorRootPublicKey.Import(await rootResponse.Content.ReadAsStringAsync());
        Assert.Equal((oldKeyId, added.KeyId),
            (VendorPublicKey.Import(await oldResponse.Content.ReadAsStringAsync()).KeyId, VendorPublicKey.Import(await currentResponse.Content.ReadAsStringAsync()).KeyId));
        var beforeVerified = LicenseVerifier.Verify(before.FileText, key, root, new HostIdentity(Mac, Serial), DateTimeOffset.UtcNow);
        var afterVerified = LicenseVerifier.Verify(after.FileText, key, root, new HostIdentity(Mac, Serial), DateTimeOffset.UtcNow);
        Assert.True(beforeVerified.IsValid, beforeVerified.Message);
        Assert.True(afterVerified.IsValid, afterVerified.Message);
        Assert.Equal((oldKeyId, added.KeyId), (beforeVerified.Content!.VendorKeyId, afterVerified.Content!.VendorKeyId));
    }

    [Fact]
    public async Task The_vendor_root_is_served_anonymously_cacheable_and_byte_identical_to_the_key_directorys_file()
    {
        await using var factory = new PortalWebFactory();
        var file = await File.ReadAllBytesAsync(Path.Combine(KeyDirectory(factory.Services), "vendor-root.pub"));
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

        using var response = await client.GetAsync(new Uri("/vendor-root.pub", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(file, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/x-pem-file", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("vendor-root.pub", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.Equal(TimeSpan.FromDays(1), response.Headers.CacheControl?.MaxAge);
        Assert.Equal(factory.Services.GetRequiredService<VendorKeyStore>().Root, VendorRootPublicKey.Import(Encoding.UTF8.GetString(file)));
    }

    [Fact]
    public async Task No_private_key_appears_in_the_vendor_key_or_root_downloads()
    {
        await using var factory = new PortalWebFactory();
        var store = factory.Services.GetRequiredService<VendorKeyStore>();
        store.AddKey();
        var client = factory.CreateBrowser();
        var privateBodies = Directory.GetFiles(KeyDirectory(factory.Services), "*.key")
            .Select(f => File.ReadAllLines(f).Single(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal) && !l.Contains(':', StringComparison.Ordinal)))
            .ToList();
        Assert.Equal(3, privateBodies.Count); // two signing keys and the root

        var bodies = new List<string>();
        foreach (var path in store.All.Select(k => $"/vendor-key/{k.KeyId}").Append("/vendor-key").Append("/vendor-root.pub").Append("/api/v1/vendor-keys"))
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()));
        }

        Assert.Equal(5, bodies.Count);
        Assert.All(bodies[..3], b => Assert.Contains("-----BEGIN LICENSEPORTAL VENDOR PUBLIC KEY-----", b, StringComparison.Ordinal));
        Assert.Contains("-----BEGIN LICENSEPORTAL VENDOR ROOT PUBLIC KEY-----", bodies[3], StringComparison.Ordinal);
        Assert.All(bodies, b => Assert.DoesNotContain("PRIVATE", b, StringComparison.Ordinal));
        Assert.All(bodies, b => Assert.All(privateBodies, secret => Assert.DoesNotContain(secret, b, StringComparison.Ordinal)));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Adding_a_key_with_the_root_offline_is_refused_and_writes_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var store = portal.Get<VendorKeyStore>();
        var directory = KeyDirectory(portal.Services);
        // The root taken offline: its private file moved off the server, the portal re-reads its directory.
        var offline = Directory.CreateTempSubdirectory("lp-offline-root-").FullName;
        try
        {
            File.Move(Path.Combine(directory, "vendor-root.key"), Path.Combine(offline, "vendor-root.key"));
            Assert.True(store.Reload());
            Assert.False(store.RootIsOnline);
            var files = Files(directory);
            var keys = store.All;
            await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var audit = await db.AuditEntries.CountAsync();

            var result = await store.AddKeyAsync(await portal.AdminAsync());

            Assert.Equal(Failure.Invalid, result.Failure);
            Assert.Equal("VendorKeys.RootOffline", ErrorCode(result));
            Assert.Null(store.AddKey());
            Assert.Equal(files, Files(directory));
            Assert.Equal(keys, store.All);
            Assert.Equal(audit, await db.AuditEntries.CountAsync());
        }
        finally
        {
            Directory.Delete(offline, recursive: true);
        }
    }

    [Fact]
    public async Task Adding_a_key_is_refused_to_anyone_but_an_administrator_and_writes_nothing()
    {
        await using var portal = await PortalServices.StartAsync();
        var support = await portal.CreateUserAsync("sam", PortalRole.Support);
        var store = portal.Get<VendorKeyStore>();
        var files = Files(KeyDirectory(portal.Services));

        var result = await store.AddKeyAsync(support);

        Assert.Equal(Failure.Forbidden, result.Failure);
        Assert.Equal(files, Files(KeyDirectory(portal.Services)));
    }
}
