using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>/api/v1/instances: the seed's instance actions, host info, license generation, latest file and history.</summary>
public sealed class InstanceApiTests
{
    private static object NewInstance(string name, string ownerId, int desktops = 10) => new
    {
        name,
        ownerId,
        maxDesktops = desktops,
        maxImages = 5,
        maxUsers = 20,
        maxVcpus = 64,
        maxVmemGib = 256,
        maxVdiskGib = 2048,
        expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task An_administrator_creates_reads_updates_and_deletes_an_instance()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var create = await admin.PostAsJsonAsync("/api/v1/instances", NewInstance("demo-01", carol.UserId));
        var created = await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        Assert.Equal("/api/v1/instances/demo-01", create.Headers.Location?.OriginalString);
        Assert.Equal("TOUPLOAD", created.GetProperty("status").GetString());
        Assert.Equal(carol.UserId, created.GetProperty("ownerId").GetString());
        Assert.Equal(0, created.GetProperty("downloadCount").GetInt32());

        using var update = await admin.PutAsJsonAsync("/api/v1/instances/demo-01", new { maxDesktops = 99 });
        var updated = await ApiTestKit.JsonAsync(update, HttpStatusCode.OK);
        Assert.Equal(99, updated.GetProperty("maxDesktops").GetInt32());
        Assert.Equal(5, updated.GetProperty("maxImages").GetInt32());

        using var stale = await admin.PutAsJsonAsync("/api/v1/instances/demo-01", new { maxDesktops = 1, version = created.GetProperty("version").GetGuid() });
        var conflict = await ApiTestKit.ProblemAsync(stale, HttpStatusCode.Conflict, "Error.Conflict", "version");
        Assert.Equal(99, conflict.GetProperty("current").GetProperty("maxDesktops").GetInt32());

        using var delete = await admin.DeleteAsync(new Uri("/api/v1/instances/demo-01", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await admin.GetAsync(new Uri("/api/v1/instances/demo-01", UriKind.Relative));
        await ApiTestKit.ProblemAsync(gone, HttpStatusCode.NotFound, "Error.NotFound");
    }

    [Theory]
    [InlineData("", 10, "name", "Error.Required", HttpStatusCode.UnprocessableEntity)]
    [InlineData("demo-01", -1, "maxDesktops", "Error.QuotaRange", HttpStatusCode.UnprocessableEntity)]
    [InlineData("taken", 10, "name", "Error.DuplicateInstanceName", HttpStatusCode.Conflict)]
    public async Task Instance_input_is_validated(string name, int desktops, string field, string code, HttpStatusCode status)
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        await ApiTestKit.InstanceAsync(factory, "taken", admin);
        using var client = await ApiTestKit.ClientAsync(factory, admin);

        using var response = await client.PostAsJsonAsync("/api/v1/instances", NewInstance(name, admin.UserId, desktops));

        await ApiTestKit.ProblemAsync(response, status, code, field);
    }

    [Fact]
    public async Task Expiry_in_the_past_and_unknown_owner_are_refused()
    {
        await using var factory = new PortalWebFactory();
        using var client = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using var response = await client.PostAsJsonAsync("/api/v1/instances", new { name = "x1", ownerId = "nobody", maxDesktops = 1, expiresAt = "2000-01-01" });

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "Error.ExpiryInPast", "expiresAt");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "ownerId" && e.GetProperty("code").GetString() == "Error.OwnerNotFound");
    }

    [Fact]
    public async Task Listing_filters_by_status_owner_and_name_and_validates_the_status()
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "alpha-1", carol);
        await ApiTestKit.InstanceAsync(factory, "alpha-2", admin);
        await ApiTestKit.InstanceAsync(factory, "beta-1", carol);
        using var client = await ApiTestKit.ClientAsync(factory, admin);

        var byOwner = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances?owner=carol&name=alpha", UriKind.Relative)), HttpStatusCode.OK);
        var byStatus = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances?status=toupload&pageSize=2", UriKind.Relative)), HttpStatusCode.OK);
        using var bad = await client.GetAsync(new Uri("/api/v1/instances?status=READY", UriKind.Relative));

        Assert.Equal(["alpha-1"], byOwner.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(3, byStatus.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, byStatus.GetProperty("items").GetArrayLength());
        await ApiTestKit.ProblemAsync(bad, HttpStatusCode.BadRequest, "Error.InvalidValue", "status");
    }

    [Fact]
    public async Task A_customer_sees_their_own_instances_gets_404_for_others_and_403_on_writes()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        var (dave, _) = await factory.CreateUserAsync("dave");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        await ApiTestKit.InstanceAsync(factory, "daves", dave);
        using var client = await ApiTestKit.ClientAsync(factory, carol);

        var list = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances", UriKind.Relative)), HttpStatusCode.OK);
        using var other = await client.GetAsync(new Uri("/api/v1/instances/daves", UriKind.Relative));
        using var otherLicense = await client.PostAsync(new Uri("/api/v1/instances/daves/license", UriKind.Relative), null);
        using var otherUpload = await client.PostAsync(new Uri("/api/v1/instances/daves/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("daves")));
        using var otherHistory = await client.GetAsync(new Uri("/api/v1/instances/daves/licenses", UriKind.Relative));
        using var update = await client.PutAsJsonAsync("/api/v1/instances/carols", new { maxDesktops = 1000 });
        using var delete = await client.DeleteAsync(new Uri("/api/v1/instances/carols", UriKind.Relative));
        using var create = await client.PostAsJsonAsync("/api/v1/instances", NewInstance("mine", carol.UserId));

        Assert.Equal(["carols"], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToArray());
        await ApiTestKit.ProblemAsync(other, HttpStatusCode.NotFound, "Error.NotFound");
        await ApiTestKit.ProblemAsync(otherLicense, HttpStatusCode.NotFound, "Error.NotFound");
        await ApiTestKit.ProblemAsync(otherUpload, HttpStatusCode.NotFound, "Error.NotFound");
        await ApiTestKit.ProblemAsync(otherHistory, HttpStatusCode.NotFound, "Error.NotFound");
        await ApiTestKit.ProblemAsync(update, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(delete, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(create, HttpStatusCode.Forbidden, "Error.Forbidden");
    }

    [Fact]
    public async Task Support_reads_instances_and_licenses_but_cannot_change_or_generate()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        var (support, _) = await factory.CreateUserAsync("sam", PortalRole.Support);
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var owner = await ApiTestKit.ClientAsync(factory, carol);
        using (var upload = await owner.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols"))))
        {
            await ApiTestKit.JsonAsync(upload, HttpStatusCode.OK);
        }
        using (var generate = await owner.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
        }
        using var client = await ApiTestKit.ClientAsync(factory, support);

        using var get = await client.GetAsync(new Uri("/api/v1/instances/carols", UriKind.Relative));
        using var latest = await client.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));
        using var history = await client.GetAsync(new Uri("/api/v1/instances/carols/licenses", UriKind.Relative));
        using var generateAgain = await client.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null);
        using var upload2 = await client.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols")));
        using var update = await client.PutAsJsonAsync("/api/v1/instances/carols", new { maxDesktops = 1 });
        using var bulk = await ApiTestKit.DeleteJsonAsync(client, "/api/v1/instances", new { names = new List<string> { "carols" } });
        using var token = await client.PostAsJsonAsync("/api/v1/instances/carols/activation-tokens", new { expiresInDays = 1 });

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        Assert.Equal(1, (await ApiTestKit.JsonAsync(history, HttpStatusCode.OK)).GetArrayLength());
        await ApiTestKit.ProblemAsync(generateAgain, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(upload2, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(update, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(bulk, HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(token, HttpStatusCode.Forbidden, "Error.Forbidden");
    }

    [Fact]
    public async Task The_owner_uploads_host_info_as_multipart_generates_and_fetches_a_license_that_verifies()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var client = await ApiTestKit.ClientAsync(factory, carol);
        var hostKey = HostKey.Generate();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(ApiTestKit.HostInfo("carols", hostKey))), "file", "hostinfo.txt" } };

        var uploaded = await ApiTestKit.JsonAsync(await client.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), form), HttpStatusCode.OK);
        using var generate = await client.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null);
        using var latest = await client.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));
        var history = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/instances/carols/licenses", UriKind.Relative)), HttpStatusCode.OK);

        Assert.True(uploaded.GetProperty("accepted").GetBoolean());
        Assert.Equal("TODOWNLOAD", uploaded.GetProperty("status").GetString());
        Assert.Equal(ApiTestKit.Mac, uploaded.GetProperty("instance").GetProperty("mac").GetString());
        Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
        Assert.Equal("carols_LICENSE", generate.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("1", generate.Headers.GetValues("X-License-Revision").Single());
        var text = await latest.Content.ReadAsStringAsync();
        var root = factory.Services.GetRequiredService<VendorKeyStore>().Root;
        var verified = LicenseVerifier.Verify(text, hostKey, root, new HostIdentity(ApiTestKit.Mac, ApiTestKit.Serial), DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid);
        Assert.Equal(10, verified.Content!.MaxDesktops);
        Assert.Equal(1, history[0].GetProperty("revision").GetInt32());
        Assert.Equal(2, history[0].GetProperty("downloads").GetArrayLength());
    }

    [Fact]
    public async Task Host_info_problems_get_their_status_codes()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var client = await ApiTestKit.ClientAsync(factory, carol);

        using var tooLarge = await client.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), new ByteArrayContent(new byte[70_000]));
        using var json = await client.PostAsJsonAsync("/api/v1/instances/carols/hostinfo", new { file = "x" });
        using var empty = await client.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(""));
        using var noFile = await client.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), new MultipartFormDataContent { { new StringContent("x"), "other" } });
        using var otherInstance = await client.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("someone-else")));
        using var noLicenseYet = await client.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));

        await ApiTestKit.ProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, "HostInfo.TooLarge", "file");
        await ApiTestKit.ProblemAsync(json, HttpStatusCode.UnsupportedMediaType, "Error.UnsupportedMediaType", "file");
        await ApiTestKit.ProblemAsync(empty, HttpStatusCode.UnprocessableEntity, "HostInfo.Empty", "file");
        await ApiTestKit.ProblemAsync(noFile, HttpStatusCode.BadRequest, "Error.Required", "file");
        var tampered = await ApiTestKit.ProblemAsync(otherInstance, HttpStatusCode.UnprocessableEntity, "HostInfo.OtherInstance", "file");
        Assert.Equal("INFOERROR", tampered.GetProperty("instanceStatus").GetString());
        Assert.Equal(HttpStatusCode.Conflict, noLicenseYet.StatusCode);
    }

    [Fact]
    public async Task Bulk_delete_of_instances_reports_each_name()
    {
        await using var factory = new PortalWebFactory();
        var admin = await factory.AdminAsync();
        await ApiTestKit.InstanceAsync(factory, "one", admin);
        await ApiTestKit.InstanceAsync(factory, "two", admin);
        using var client = await ApiTestKit.ClientAsync(factory, admin);

        using var response = await ApiTestKit.DeleteJsonAsync(client, "/api/v1/instances", new { names = new List<string> { "one", "nope", "two" } });

        var results = (await ApiTestKit.JsonAsync(response, HttpStatusCode.OK)).GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("succeeded").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["one"] = true, ["nope"] = false, ["two"] = true }, results);
    }

    [Fact]
    public async Task Downloads_are_rate_limited_with_Retry_After()
    {
        await using var factory = new PortalWebFactory();
        await using var limited = factory.WithWebHostBuilder(b => b.UseSetting("RateLimits:DownloadPermitLimit", "1"));
        var admin = await factory.AdminAsync();
        await ApiTestKit.InstanceAsync(factory, "carols", admin);
        using var client = await ApiTestKit.ClientAsync(limited, admin);
        using var first = await client.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, first.StatusCode); // no license yet, but it counted

        using var second = await client.GetAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative));

        await ApiTestKit.ProblemAsync(second, HttpStatusCode.TooManyRequests, "Error.TooManyRequests");
        Assert.NotNull(second.Headers.RetryAfter);
    }

    [Fact]
    public async Task Downloaderror_answers_with_retry_after_equal_to_the_remaining_configured_cool_down_on_the_api_and_the_seed_url()
    {
        await using var factory = new PortalWebFactory();
        await using var portal = factory.WithWebHostBuilder(b => b.UseSetting("Licensing:DownloadLimit", "1").UseSetting("Licensing:DownloadCoolDown", "00:07:00"));
        var admin = await factory.AdminAsync();
        await ApiTestKit.InstanceAsync(factory, "coolers", admin);
        using var client = await ApiTestKit.ClientAsync(portal, admin);
        using (var upload = await client.PostAsync(new Uri("/api/v1/instances/coolers/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("coolers"))))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }
        using (var first = await client.PostAsync(new Uri("/api/v1/instances/coolers/license", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var refused = await client.PostAsync(new Uri("/api/v1/instances/coolers/license", UriKind.Relative), null);
        await ApiTestKit.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "License.TooManyDownloads");
        // Seven minutes, not the ten of the default: the refusal's own retry time (a second may have passed).
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 419, 420);

        using var browser = portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        Assert.Equal(HttpStatusCode.Redirect, (await PortalWebFactory.SignInAsync(browser, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword)).StatusCode);
        using var seed = await browser.GetAsync(new Uri("/download_license?instance=coolers", UriKind.Relative));
        Assert.Equal(HttpStatusCode.TooManyRequests, seed.StatusCode);
        Assert.InRange(seed.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 420);
    }

    [Fact]
    public async Task Vendor_keys_are_public()
    {
        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.Anonymous(factory);

        var keys = await ApiTestKit.JsonAsync(await client.GetAsync(new Uri("/api/v1/vendor-keys", UriKind.Relative)), HttpStatusCode.OK);

        var store = factory.Services.GetRequiredService<VendorKeyStore>();
        var current = store.CurrentInfo;
        Assert.Equal(current.KeyId, keys[0].GetProperty("keyId").GetString());
        Assert.True(keys[0].GetProperty("isCurrent").GetBoolean());
        Assert.Equal(current.PublicKeyFile, keys[0].GetProperty("publicKey").GetString());
        Assert.Equal((store.Root.KeyId, store.Root.Fingerprint), (keys[0].GetProperty("rootKeyId").GetString(), keys[0].GetProperty("rootFingerprint").GetString()));
        Assert.True(keys[0].GetProperty("certified").GetBoolean());
        Assert.Equal(current.Certificate!.ValidFrom.UtcDateTime, keys[0].GetProperty("validFrom").GetDateTime().ToUniversalTime());
        Assert.Equal(current.Certificate.ValidUntil.UtcDateTime, keys[0].GetProperty("validUntil").GetDateTime().ToUniversalTime());
    }
}
