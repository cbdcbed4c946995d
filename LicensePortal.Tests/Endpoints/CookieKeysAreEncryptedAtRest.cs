using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// The Data Protection keys (which sign the auth cookie) are stored in the database encrypted with a certificate: the
/// rows hold no readable master key, a node with the same certificate reads another node's cookies, a node without it
/// cannot. Without configuration the portal makes the certificate itself, once, in the key directory (0600).
/// </summary>
public sealed class CookieKeysAreEncryptedAtRest
{
    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_node_with_the_certificate_reads_the_cookie_a_node_without_it_cannot_and_the_rows_hold_no_plain_key(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        var folder = Directory.CreateTempSubdirectory("lp-dpcert-");
        var shared = WritePfx(Path.Combine(folder.FullName, "shared.pfx"), "Pfx-Passw0rd!");
        var other = WritePfx(Path.Combine(folder.FullName, "other.pfx"), null);
        await using var factory = new PortalWebFactory();
        var first = Node(factory, database, Path.Combine(folder.FullName, "keys"), shared, "Pfx-Passw0rd!");
        var second = Node(factory, database, Path.Combine(folder.FullName, "keys"), shared, "Pfx-Passw0rd!");
        var stranger = Node(factory, database, Path.Combine(folder.FullName, "keys"), other, null);

        var cookie = await SignInCookieAsync(first);

        Assert.Equal(HttpStatusCode.OK, await GetInstancesAsync(first, cookie));
        Assert.Equal(HttpStatusCode.OK, await GetInstancesAsync(second, cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetInstancesAsync(stranger, cookie));

        await using var db = await first.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var keys = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
            Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
        });
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Without_a_configured_certificate_the_portal_makes_one_in_the_key_directory_readable_only_by_itself_and_reuses_it()
    {
        await using var database = await TestDatabases.CreateAsync(DatabaseProvider.Sqlite);
        var folder = Directory.CreateTempSubdirectory("lp-dpcert-");
        var keyDirectory = Path.Combine(folder.FullName, "keys");
        await using var factory = new PortalWebFactory();
        var first = Node(factory, database, keyDirectory, null, null);

        var cookie = await SignInCookieAsync(first);

        var certificate = Path.Combine(keyDirectory, "dataprotection.pfx");
        Assert.True(File.Exists(certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, (!OperatingSystem.IsWindows() ? File.GetUnixFileMode(certificate) : throw new PlatformNotSupportedException("file modes are a Unix matter")));
        var written = await File.ReadAllBytesAsync(certificate);
        // A restart (another node on the same key directory) uses that file and reads the cookie.
        var restarted = Node(factory, database, keyDirectory, null, null);
        Assert.Equal(HttpStatusCode.OK, await GetInstancesAsync(restarted, cookie));
        Assert.Equal(written, await File.ReadAllBytesAsync(certificate));
        folder.Delete(recursive: true);
    }

    private static WebApplicationFactory<Program> Node(PortalWebFactory factory, TestDatabase database, string keyDirectory, string? certificate, string? password) =>
        factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:Provider", database.Provider.ToString());
            b.UseSetting("ConnectionStrings:LicensePortal", database.ConnectionString);
            b.UseSetting("Licensing:KeyDirectory", keyDirectory);
            b.UseSetting("DataProtection:CertificatePath", certificate ?? "");
            b.UseSetting("DataProtection:CertificatePassword", password ?? "");
        });

    /// <summary>The auth cookie the sign-in page sets, as a Cookie header.</summary>
    private static async Task<string> SignInCookieAsync(WebApplicationFactory<Program> node)
    {
        var client = node.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var response = await PortalWebFactory.SignInAsync(client, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("LicensePortal.Auth=", StringComparison.Ordinal)).Split(';')[0];
    }

    private static async Task<HttpStatusCode> GetInstancesAsync(WebApplicationFactory<Program> node, string cookie)
    {
        var client = node.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/instances");
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static string WritePfx(string path, string? password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=LicensePortal test nodes", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }
}
