using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Tests.Email;
using LicensePortal.Tests.Webhooks;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>Accounts and instances made through the portal's JSON API with the first administrator's token, as a script would.</summary>
public sealed class PortalSeed : IDisposable
{
    private readonly HttpClient _http;

    private PortalSeed(HttpClient http) => _http = http;

    public static async Task<PortalSeed> ForAsync(PortalProcess portal)
    {
        var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var tokenAnswer = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "seed" });
        tokenAnswer.EnsureSuccessStatusCode();
        var token = (await tokenAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new PortalSeed(http);
    }

    /// <summary>A customer account; answers its id.</summary>
    public async Task<string> CustomerAsync(string userName, string password, string organization = "Acme")
    {
        using var answer = await _http.PostAsJsonAsync("api/v1/users", new { userName, email = $"{userName}@example.com", organization, role = "User", password });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("id").GetString()!;
    }

    public async Task InstanceAsync(string name, string ownerId, int maxDesktops = 5, string expiresAt = "2031-12-31")
    {
        using var answer = await _http.PostAsJsonAsync("api/v1/instances", new { name, ownerId, maxDesktops, expiresAt });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    /// <summary>Changes an instance's fields (those left out keep their value), as an administrator's script would.</summary>
    public async Task UpdateInstanceAsync(string name, object changes)
    {
        using var answer = await _http.PutAsJsonAsync($"api/v1/instances/{Uri.EscapeDataString(name)}", changes);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    /// <summary>Uploads a genuine host info file made for the instance, as the administrator: the instance is TODOWNLOAD.</summary>
    public async Task HostInfoAsync(string name)
    {
        using var answer = await _http.PostAsync(new Uri($"api/v1/instances/{Uri.EscapeDataString(name)}/hostinfo", UriKind.Relative),
            Api.ApiTestKit.Text(Api.ApiTestKit.HostInfo(name)));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode && body.Contains("TODOWNLOAD", StringComparison.Ordinal), $"{(int)answer.StatusCode}: {body}");
    }

    /// <summary>
    /// The owner downloads the instance's license until the portal pauses downloads (on a portal started with
    /// <c>Licensing__DownloadLimit=1</c>: the second download): the instance is DOWNLOADERROR.
    /// </summary>
    public static async Task DownloadsPausedAsync(PortalProcess portal, string name, string ownerUserName, string ownerPassword)
    {
        using var owner = new HttpClient { BaseAddress = portal.BaseAddress };
        using (var tokenAnswer = await owner.PostAsJsonAsync("api/v1/tokens", new { userName = ownerUserName, password = ownerPassword, name = "seed-owner" }))
        {
            tokenAnswer.EnsureSuccessStatusCode();
            owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await tokenAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        }
        var license = new Uri($"api/v1/instances/{Uri.EscapeDataString(name)}/license", UriKind.Relative);
        using (var first = await owner.PostAsync(license, null))
        {
            Assert.True(first.IsSuccessStatusCode, $"{(int)first.StatusCode}: {await first.Content.ReadAsStringAsync()}");
        }
        using var second = await owner.PostAsync(license, null);
        Assert.True((int)second.StatusCode == 429, $"the second download was not paused: {(int)second.StatusCode} {await second.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The portal's settings for the pages that need mail and webhooks: mail to <paramref name="smtp"/> (accounts with an
    /// address get their confirmation link there), webhooks to a loopback receiver, retried after a second.
    /// </summary>
    public static Dictionary<string, string> MailAndWebhookSettings(SmtpSink smtp, IDictionary<string, string>? more = null)
    {
        var settings = smtp.PortalSettings();
        foreach (var (key, value) in WebhookPortal.Settings(allowPrivate: true).Concat(more ?? new Dictionary<string, string>()))
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>
    /// An endpoint at <paramref name="receiver"/> for refused uploads, and a refused upload to <paramref name="instance"/>
    /// (made here, for <paramref name="ownerId"/>): the receiver answers the first attempt 500 and the retry 200, so the
    /// endpoint's delivery log has a delivery with a failed and a successful attempt. Returns once the log says delivered.
    /// </summary>
    public async Task WebhookWithADeliveryAsync(WebhookReceiver receiver, string instance, string ownerId)
    {
        receiver.Answers.Enqueue(500);
        var (endpointId, _) = await WebhooksReachARealReceiver.RegisterAsync(_http, receiver.Url, "hostinfo.rejected");
        await InstanceAsync(instance, ownerId);
        await WebhooksReachARealReceiver.RefusedUploadAsync(_http, instance);
        var delivery = await WebhooksReachARealReceiver.WaitForDeliveryAsync(_http, endpointId, d => d.GetProperty("state").GetString() == "Delivered");
        Assert.Equal(2, delivery.GetProperty("attemptLog").GetArrayLength());
    }

    /// <summary>The confirmation link mailed to <paramref name="address"/>, pointed at <paramref name="portal"/>.</summary>
    public static async Task<string> ConfirmationLinkAsync(SmtpSink smtp, string address, PortalProcess portal) =>
        MailTestKit.ConfirmationLink(await smtp.WaitForAsync(m => m.IsTo(address), TimeSpan.FromSeconds(60), () => portal.Output), portal);

    public void Dispose() => _http.Dispose();
}
