using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Webhooks;

/// <summary>The real portal process, delivering to a loopback receiver (so private networks are allowed), retrying fast.</summary>
public sealed class WebhookPortal : IAsyncLifetime
{
    public PortalProcess Portal { get; private set; } = null!;

    public static Dictionary<string, string> Settings(bool allowPrivate) => new()
    {
        ["Webhooks__AllowPrivateNetworks"] = allowPrivate ? "true" : "false",
        ["Webhooks__PollSeconds"] = "1",
        ["Webhooks__FirstRetrySeconds"] = "1",
        ["Webhooks__TimeoutSeconds"] = "2",
    };

    public async Task InitializeAsync() => Portal = await PortalProcess.StartAsync(Settings(allowPrivate: true));

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>
/// Item 5 of issue 16: webhooks from the real portal process to a real HTTP listener, checked with the documented snippets.
/// </summary>
public sealed class WebhooksReachARealReceiver(WebhookPortal fixture) : IClassFixture<WebhookPortal>
{
    private PortalProcess Portal => fixture.Portal;

    [Fact]
    public async Task A_refused_upload_sends_one_signed_hostinfo_rejected_delivery_that_both_snippets_verify()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = await AdminAsync(Portal);
        var (endpointId, secret) = await RegisterAsync(http, receiver.Url, "hostinfo.rejected");
        await InstanceAsync(http, "hook-refused");

        await RefusedUploadAsync(http, "hook-refused");

        var hook = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("hostinfo.rejected", hook.Event);
        using (var body = JsonDocument.Parse(hook.Body))
        {
            Assert.Equal("hostinfo.rejected", body.RootElement.GetProperty("type").GetString());
            var data = body.RootElement.GetProperty("data");
            Assert.Equal("hook-refused", data.GetProperty("instance").GetProperty("name").GetString());
            Assert.Equal("INFOERROR", data.GetProperty("status").GetString());
            Assert.Equal("HostInfo.OtherInstance", data.GetProperty("reason").GetString());
        }
        Assert.DoesNotContain(secret, hook.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", hook.BodyText, StringComparison.Ordinal); // no host info file text
        Assert.True(SnippetsAgree(await BothAsync(secret, hook)), "the documented snippets refused a genuine delivery");

        // Exactly one: a few more passes of the dispatcher add nothing, and the log has one delivery of one attempt.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Single(receiver.Received);
        var delivery = Assert.Single((await DeliveriesAsync(http, endpointId)).EnumerateArray());
        Assert.Equal("Delivered", delivery.GetProperty("state").GetString());
        var attempt = Assert.Single(delivery.GetProperty("attemptLog").EnumerateArray());
        Assert.Equal(200, attempt.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task A_forged_or_replayed_signature_fails_both_snippets()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = await AdminAsync(Portal);
        var (_, secret) = await RegisterAsync(http, receiver.Url, "hostinfo.rejected");
        await InstanceAsync(http, "hook-forged");
        await RefusedUploadAsync(http, "hook-forged");
        var hook = Assert.Single(await receiver.WaitForAsync(1));
        Assert.True(SnippetsAgree(await BothAsync(secret, hook)), "the genuine delivery must verify, or the refusals below prove nothing");

        // Another body under the genuine signature.
        var forged = Encoding.UTF8.GetBytes(hook.BodyText.Replace("hook-forged", "hook-forgex", StringComparison.Ordinal));
        Assert.False(SnippetsAgree(await BothAsync(secret, hook, body: forged)));
        // Signed with another secret.
        Assert.False(SnippetsAgree(await BothAsync(secret.Replace(secret[^1], secret[^1] == 'A' ? 'B' : 'A'), hook)));
        // A signature made up by someone without the secret.
        var madeUp = hook with { Signature = $"t={hook.At.ToUnixTimeSeconds()},v1={new string('0', 64)}" };
        Assert.False(SnippetsAgree(await BothAsync(secret, madeUp)));
        // The genuine delivery replayed six minutes later.
        Assert.False(SnippetsAgree(await BothAsync(secret, hook, now: hook.At.AddMinutes(6))));
        // The timestamp moved forward to pass the freshness check: the signature no longer matches.
        var later = hook.At.AddMinutes(6);
        var moved = hook with { Signature = System.Text.RegularExpressions.Regex.Replace(hook.Signature!, "t=[0-9]+", "t=" + later.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)) };
        Assert.False(SnippetsAgree(await BothAsync(secret, moved, now: later)));
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_each_attempt_is_logged_and_redeliver_sends_the_event_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answers.Enqueue(500);
        receiver.Answers.Enqueue(-6); // hangs past the portal's 2 s timeout
        using var http = await AdminAsync(Portal);
        var (endpointId, secret) = await RegisterAsync(http, receiver.Url, "hostinfo.rejected");
        await InstanceAsync(http, "hook-retried");
        await RefusedUploadAsync(http, "hook-retried");

        var hooks = await receiver.WaitForAsync(3, seconds: 90);
        Assert.All(hooks, h => Assert.True(WebhookSnippets.VerifyInCSharp(secret, h), "each attempt is signed anew"));
        Assert.Single(hooks.Select(h => h.Delivery).Distinct());
        var delivery = await WaitForDeliveryAsync(http, endpointId, d => d.GetProperty("state").GetString() == "Delivered");
        var attempts = delivery.GetProperty("attemptLog").EnumerateArray().OrderBy(a => a.GetProperty("attempt").GetInt32()).ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal(500, attempts[0].GetProperty("statusCode").GetInt32());
        Assert.Equal("Webhook.Error.Status", attempts[0].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, attempts[1].GetProperty("statusCode").ValueKind);
        Assert.Equal("Webhook.Error.Timeout", attempts[1].GetProperty("error").GetString());
        Assert.True(attempts[1].GetProperty("durationMs").GetInt32() >= 1900, "the timed-out attempt lasted as long as the timeout");
        Assert.Equal(200, attempts[2].GetProperty("statusCode").GetInt32());
        // Back-off: the wait before the third attempt is longer than the one before the second.
        var at = hooks.Select(h => h.At).ToList();
        Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(1), $"second attempt {at[1] - at[0]} after the first");

        using var redeliver = await http.PostAsync(new Uri($"api/v1/webhooks/{endpointId}/deliveries/{delivery.GetProperty("id").GetInt64()}/redeliver", UriKind.Relative), null);
        await ApiTestKit.JsonAsync(redeliver, HttpStatusCode.Accepted);
        var again = (await receiver.WaitForAsync(4))[3];
        Assert.NotEqual(hooks[0].Delivery, again.Delivery);
        using (var first = JsonDocument.Parse(hooks[0].Body))
        using (var second = JsonDocument.Parse(again.Body))
        {
            Assert.Equal(first.RootElement.GetProperty("id").GetString(), second.RootElement.GetProperty("id").GetString());
        }
        Assert.True(SnippetsAgree(await BothAsync(secret, again)));
        var log = await DeliveriesAsync(http, endpointId);
        Assert.Equal(2, log.GetArrayLength());
    }

    [Fact]
    public async Task The_secret_is_shown_once_and_never_again_to_any_administrator()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = await AdminAsync(Portal);
        var (endpointId, secret) = await RegisterAsync(http, receiver.Url, "license.issued");
        using var create = await http.PostAsJsonAsync("api/v1/users", new { userName = "second-admin", role = "Administrator", password = "S3cond-Admin-Passw0rd!", isActive = true });
        await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        using var other = await TokenClientAsync(Portal, "second-admin", "S3cond-Admin-Passw0rd!");

        foreach (var client in new[] { http, other })
        {
            var list = await client.GetStringAsync(new Uri("api/v1/webhooks", UriKind.Relative));
            var one = await client.GetStringAsync(new Uri($"api/v1/webhooks/{endpointId}", UriKind.Relative));
            Assert.Contains(receiver.Url.ToString(), list, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, one, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[10..], list, StringComparison.Ordinal); // not even past the hint
        }
        Assert.DoesNotContain(secret, Portal.Output, StringComparison.Ordinal);
        // Encrypted at rest: not in the database file (nor its write-ahead log), so not in the audit trail either.
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Portal.SqliteFile)!, "portal.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.DoesNotContain(secret, Encoding.UTF8.GetString(copy.ToArray()), StringComparison.Ordinal);
        }
    }

    // ---- helpers

    private static bool SnippetsAgree((bool CSharp, bool Python) results)
    {
        Assert.True(results.CSharp == results.Python, $"the C# snippet said {results.CSharp}, the Python one {results.Python}");
        return results.CSharp;
    }

    private static async Task<(bool CSharp, bool Python)> BothAsync(string secret, ReceivedWebhook hook, DateTimeOffset? now = null, byte[]? body = null) =>
        (WebhookSnippets.VerifyInCSharp(secret, hook, now, body is null ? null : Encoding.UTF8.GetString(body)),
            await WebhookSnippets.VerifyInPythonAsync(secret, hook, now, body));

    internal static Task<HttpClient> AdminAsync(PortalProcess portal) => TokenClientAsync(portal, PortalProcess.AdminUserName, PortalProcess.AdminPassword);

    private static async Task<HttpClient> TokenClientAsync(PortalProcess portal, string userName, string password)
    {
        var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var token = await http.PostAsJsonAsync("api/v1/tokens", new { userName, password, name = "webhooks-" + Guid.NewGuid().ToString("N")[..6] });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await ApiTestKit.JsonAsync(token, HttpStatusCode.Created)).GetProperty("token").GetString());
        return http;
    }

    internal static async Task<(int Id, string Secret)> RegisterAsync(HttpClient http, Uri url, params string[] events)
    {
        using var response = await http.PostAsJsonAsync("api/v1/webhooks", new { url = url.ToString(), events, description = "test receiver" });
        var created = await ApiTestKit.JsonAsync(response, HttpStatusCode.Created);
        return (created.GetProperty("endpoint").GetProperty("id").GetInt32(), created.GetProperty("secret").GetString()!);
    }

    internal static async Task InstanceAsync(HttpClient http, string name)
    {
        var admin = (await ApiTestKit.JsonAsync(await http.GetAsync(new Uri("api/v1/users?search=admin", UriKind.Relative)), HttpStatusCode.OK)).GetProperty("items")[0];
        using var create = await http.PostAsJsonAsync("api/v1/instances", new
        {
            name,
            ownerId = admin.GetProperty("id").GetString(),
            maxDesktops = 1, maxImages = 1, maxUsers = 1, maxVcpus = 1, maxVmemGib = 1, maxVdiskGib = 1,
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
    }

    /// <summary>A genuine host info file, made for another instance: refused (INFOERROR, HostInfo.OtherInstance).</summary>
    internal static async Task RefusedUploadAsync(HttpClient http, string name)
    {
        using var upload = await http.PostAsync(new Uri($"api/v1/instances/{name}/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("someone-else")));
        var body = await upload.Content.ReadAsStringAsync();
        Assert.True(body.Contains("INFOERROR", StringComparison.Ordinal), $"the upload was not refused into INFOERROR: {(int)upload.StatusCode} {body}");
    }

    internal static async Task<JsonElement> DeliveriesAsync(HttpClient http, int endpointId) =>
        await ApiTestKit.JsonAsync(await http.GetAsync(new Uri($"api/v1/webhooks/{endpointId}/deliveries", UriKind.Relative)), HttpStatusCode.OK);

    internal static async Task<JsonElement> WaitForDeliveryAsync(HttpClient http, int endpointId, Func<JsonElement, bool> done, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var log = await DeliveriesAsync(http, endpointId);
            if (log.GetArrayLength() > 0 && done(log[0]))
            {
                return log[0];
            }
            Assert.True(DateTime.UtcNow < deadline, $"the delivery did not get there within {seconds} s: {log}");
            await Task.Delay(250);
        }
    }
}

/// <summary>Without Webhooks:AllowPrivateNetworks a loopback receiver gets nothing, and the log and the page say why.</summary>
public sealed class APrivateAddressIsRefused
{
    private static readonly string[] RejectedOnly = ["hostinfo.rejected"];

    [Fact]
    public async Task A_loopback_endpoint_gets_nothing_and_the_delivery_fails_with_the_reason()
    {
        await using var portal = await PortalProcess.StartAsync(WebhookPortal.Settings(allowPrivate: false));
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = await WebhooksReachARealReceiver.AdminAsync(portal);
        http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        // Written out, the loopback address is refused at registration; a name is judged at delivery, on what it resolves to.
        using (var literal = await http.PostAsJsonAsync("api/v1/webhooks", new { url = receiver.Url.ToString(), events = RejectedOnly }))
        {
            var problem = await ApiTestKit.JsonAsync(literal, HttpStatusCode.UnprocessableEntity);
            Assert.Contains("127.0.0.1 is a loopback, link-local or private address", problem.ToString(), StringComparison.Ordinal);
        }
        var byName = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri;
        var (endpointId, _) = await WebhooksReachARealReceiver.RegisterAsync(http, byName, "hostinfo.rejected");
        await WebhooksReachARealReceiver.InstanceAsync(http, "hook-private");
        await WebhooksReachARealReceiver.RefusedUploadAsync(http, "hook-private");

        var delivery = await WebhooksReachARealReceiver.WaitForDeliveryAsync(http, endpointId, d => d.GetProperty("state").GetString() != "Pending");
        Assert.Equal("Failed", delivery.GetProperty("state").GetString());
        var attempt = Assert.Single(delivery.GetProperty("attemptLog").EnumerateArray());
        Assert.Equal("Webhook.Error.PrivateAddress", attempt.GetProperty("error").GetString());
        Assert.Matches("127\\.0\\.0\\.1|::1", attempt.GetProperty("detail").GetString()!); // what localhost resolved to first
        Assert.Contains("private", attempt.GetProperty("errorText").GetString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
        Assert.Contains("refused", portal.Output, StringComparison.Ordinal);
        Assert.Contains("AllowPrivateNetworks", portal.Output, StringComparison.Ordinal);
    }
}

public sealed class TheWebhookDocumentShowsTheCompiledSnippet
{
    [Fact]
    public void The_csharp_snippet_in_docs_webhooks_md_is_the_one_the_tests_compile()
    {
        var source = File.ReadAllText(Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal.Tests", "Docs", "WebhookReceiverExample.cs"));
        Assert.Equal(WebhookSnippets.Between(source, "// example: begin", "// example: end"),
            WebhookSnippets.Between(WebhookSnippets.Document, "// example: begin", "// example: end"));
    }
}
