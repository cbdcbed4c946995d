using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// The API of controlled rebinding: an upload for another host answers 202 pending, GET /instances/{name} shows the
/// pending host, administrators approve or deny it and set the host identifier tolerance; customers cannot.
/// </summary>
public sealed class HostBindingApiTests
{
    private const string SecondMac = "52:54:00:00:0b:0b";

    private static Uri Path(string path) => new($"/api/v1/instances/carols{path}", UriKind.Relative);

    private static async Task<(PortalWebFactory Factory, HttpClient Carol, HttpClient Admin, HostKey First, HostKey Second)> PendingAsync()
    {
        var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        var customer = await ApiTestKit.ClientAsync(factory, carol);
        customer.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (first, second) = (HostKey.Generate(), HostKey.Generate());
        await ApiTestKit.JsonAsync(await customer.PostAsync(Path("/hostinfo"), ApiTestKit.Text(ApiTestKit.HostInfo("carols", first))), HttpStatusCode.OK);
        var host = HostInfoFile.Write("carols", SecondMac, "SN-API-0002", second, DateTimeOffset.UtcNow);
        var pending = await ApiTestKit.JsonAsync(await customer.PostAsync(Path("/hostinfo"), ApiTestKit.Text(host)), HttpStatusCode.Accepted);
        Assert.Equal((false, true, "TODOWNLOAD"), (pending.GetProperty("accepted").GetBoolean(), pending.GetProperty("pending").GetBoolean(), pending.GetProperty("status").GetString()));
        Assert.Contains("approves", pending.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(ApiTestKit.Mac, pending.GetProperty("instance").GetProperty("mac").GetString());
        Assert.True(pending.GetProperty("instance").GetProperty("rebindPending").GetBoolean());
        return (factory, customer, admin, first, second);
    }

    [Fact]
    public async Task Get_shows_the_pending_host_and_the_host_identifiers_and_an_administrator_approves_it()
    {
        var (factory, carol, admin, first, second) = await PendingAsync();
        await using var _ = factory;
        using var __ = carol;
        using var ___ = admin;

        var shown = await ApiTestKit.JsonAsync(await carol.GetAsync(Path("")), HttpStatusCode.OK);
        var pending = shown.GetProperty("pendingHost");
        Assert.Equal((second.Fingerprint, SecondMac, "SN-API-0002", "carol"),
            (pending.GetProperty("fingerprint").GetString(), pending.GetProperty("mac").GetString(), pending.GetProperty("serial").GetString(), pending.GetProperty("uploadedBy").GetString()));
        Assert.Contains($"mac {SecondMac}", pending.GetProperty("identifiers").EnumerateArray().Select(e => e.GetString()));
        Assert.True(pending.GetProperty("uploadedAt").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
        Assert.Contains($"mac {ApiTestKit.Mac}", shown.GetProperty("hostIdentifiers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, shown.GetProperty("hostIdentifierTolerance").GetInt32());

        await ApiTestKit.ProblemAsync(await carol.PostAsync(Path("/pending-host/approve"), null), HttpStatusCode.Forbidden, "Error.Forbidden");
        await ApiTestKit.ProblemAsync(await admin.PostAsJsonAsync(Path("/pending-host/approve"), new { fingerprint = first.Fingerprint }), HttpStatusCode.Conflict, HostBinding.PendingHostChanged);
        var approved = await ApiTestKit.JsonAsync(await admin.PostAsJsonAsync(Path("/pending-host/approve"), new { fingerprint = second.Fingerprint }), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, approved.GetProperty("pendingHost").ValueKind);
        Assert.Equal((SecondMac, false), (approved.GetProperty("mac").GetString(), approved.GetProperty("rebindPending").GetBoolean()));
        using var license = await carol.PostAsync(Path("/license"), null);
        var verified = LicenseVerifier.Verify(await license.Content.ReadAsStringAsync(), second, factory.Services.GetRequiredService<VendorKeyStore>().Root,
            new HostIdentity(SecondMac, "SN-API-0002"), DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, verified.Message);
        await ApiTestKit.ProblemAsync(await admin.PostAsync(Path("/pending-host/approve"), null), HttpStatusCode.Conflict, HostBinding.NoPendingHost);
    }

    [Fact]
    public async Task An_administrator_denies_the_pending_host_and_the_first_stays()
    {
        var (factory, carol, admin, first, _) = await PendingAsync();
        await using var _factory = factory;
        using var __ = carol;
        using var ___ = admin;

        await ApiTestKit.ProblemAsync(await carol.PostAsync(Path("/pending-host/deny"), null), HttpStatusCode.Forbidden, "Error.Forbidden");
        var denied = await ApiTestKit.JsonAsync(await admin.PostAsync(Path("/pending-host/deny"), null), HttpStatusCode.OK);
        var shown = await ApiTestKit.JsonAsync(await carol.GetAsync(Path("")), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, denied.GetProperty("pendingHost").ValueKind);
        Assert.Equal((ApiTestKit.Mac, JsonValueKind.Null), (shown.GetProperty("mac").GetString(), shown.GetProperty("pendingHost").ValueKind));
        using var license = await carol.PostAsync(Path("/license"), null);
        Assert.True(LicenseVerifier.Verify(await license.Content.ReadAsStringAsync(), first, factory.Services.GetRequiredService<VendorKeyStore>().Root,
            new HostIdentity(ApiTestKit.Mac, ApiTestKit.Serial), DateTimeOffset.UtcNow).IsValid);
        await ApiTestKit.ProblemAsync(await admin.PostAsync(Path("/pending-host/deny"), null), HttpStatusCode.Conflict, HostBinding.NoPendingHost);
        using var missing = await admin.PostAsync(new Uri("/api/v1/instances/nobody/pending-host/deny", UriKind.Relative), null);
        await ApiTestKit.ProblemAsync(missing, HttpStatusCode.NotFound, "Error.NotFound");
    }

    [Fact]
    public async Task An_administrator_sets_the_tolerance_a_bad_value_is_a_localized_422_and_a_customer_is_refused()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var customer = await ApiTestKit.ClientAsync(factory, carol);
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        var set = await ApiTestKit.JsonAsync(await admin.PutAsJsonAsync(Path("/host-identifier-tolerance"), new { hostIdentifierTolerance = 3 }), HttpStatusCode.OK);
        using var tooMany = new HttpRequestMessage(HttpMethod.Put, Path("/host-identifier-tolerance")) { Content = JsonContent.Create(new { hostIdentifierTolerance = 9 }) };
        tooMany.Headers.AcceptLanguage.ParseAdd("zh-Hans");
        var refused = await ApiTestKit.ProblemAsync(await admin.SendAsync(tooMany), HttpStatusCode.UnprocessableEntity, HostBinding.ToleranceOutOfRange, "hostIdentifierTolerance");
        await ApiTestKit.ProblemAsync(await admin.PutAsJsonAsync(Path("/host-identifier-tolerance"), new { }), HttpStatusCode.UnprocessableEntity, "Error.Required", "hostIdentifierTolerance");
        await ApiTestKit.ProblemAsync(await customer.PutAsJsonAsync(Path("/host-identifier-tolerance"), new { hostIdentifierTolerance = 0 }), HttpStatusCode.Forbidden, "Error.Forbidden");

        Assert.Equal(3, set.GetProperty("hostIdentifierTolerance").GetInt32());
        Assert.Contains("0 到 4", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var shown = await ApiTestKit.JsonAsync(await customer.GetAsync(Path("")), HttpStatusCode.OK);
        Assert.Equal((3, JsonValueKind.Null), (shown.GetProperty("hostIdentifierTolerance").GetInt32(), shown.GetProperty("pendingHost").ValueKind));
    }

    [Fact]
    public async Task An_activation_tokens_upload_for_another_host_is_pending_and_the_seed_url_says_so_too()
    {
        await using var factory = new PortalWebFactory();
        var (carol, password) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "carols"));
        await ApiTestKit.JsonAsync(await host.PostAsync(Path("/hostinfo"), ApiTestKit.Text(ApiTestKit.HostInfo("carols"))), HttpStatusCode.OK);

        var byToken = await ApiTestKit.JsonAsync(await host.PostAsync(Path("/hostinfo"), ApiTestKit.Text(ApiTestKit.HostInfo("carols"))), HttpStatusCode.Accepted);
        var browser = factory.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalWebFactory.SignInAsync(browser, "carol", password)).StatusCode);
        using var seed = await browser.PostAsync(new Uri("/upload_hostinfo?instance=carols", UriKind.Relative), new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(ApiTestKit.HostInfo("carols"))));
        var bySeed = await ApiTestKit.JsonAsync(seed, HttpStatusCode.Accepted);

        Assert.True(byToken.GetProperty("pending").GetBoolean());
        Assert.Equal((false, true), (bySeed.GetProperty("accepted").GetBoolean(), bySeed.GetProperty("pending").GetBoolean()));
        var view = await factory.Services.GetRequiredService<HostBinding>().GetAsync(await factory.AdminAsync(), "carols");
        Assert.Equal("carol", view!.Pending!.UploadedBy);
    }
}
