using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Observability;

/// <summary>
/// The portal's console in JSON (Logging:Console:FormatterName=json with IncludeScopes), started as systemd starts the
/// unit, where AddSystemd would otherwise switch the console to journald's format: a customer's host info upload and
/// license download through the API log lines whose scopes carry the request (the hosting layer's RequestId and the
/// caller's W3C trace id), the customer's user id and the instance's name; and no line carries a password, a token, the
/// host info file or the license file.
/// </summary>
public sealed class JsonLogsNameRequestUserAndInstance
{
    private const string CustomerPassword = "Cust0mer-Logs-Passw0rd!";

    [Fact]
    public async Task Upload_and_download_lines_carry_request_user_and_instance_and_no_secret()
    {
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
            ["Logging__LogLevel__LicensePortal"] = "Information",
        }, asSystemdService: true);
        using var admin = new HttpClient { BaseAddress = portal.BaseAddress };
        var adminToken = await TokenAsync(admin, PortalProcess.AdminUserName, PortalProcess.AdminPassword);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var created = await admin.PostAsJsonAsync("api/v1/users", new { userName = "log-customer", email = "log-customer@example.com", role = "User", password = CustomerPassword });
        var customerId = (await ApiTestKit.JsonAsync(created, HttpStatusCode.Created)).GetProperty("user").GetProperty("id").GetString()!;
        using var instance = await admin.PostAsJsonAsync("api/v1/instances", new
        {
            name = "logged-01",
            ownerId = customerId,
            maxDesktops = 4, maxImages = 2, maxUsers = 8, maxVcpus = 16, maxVmemGib = 64, maxVdiskGib = 512,
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(instance, HttpStatusCode.Created);

        using var customer = new HttpClient { BaseAddress = portal.BaseAddress };
        var customerToken = await TokenAsync(customer, "log-customer", CustomerPassword);
        customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", customerToken);
        var hostInfo = ApiTestKit.HostInfo("logged-01");
        const string uploadTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string downloadTrace = "0af7651916cd43dd8448eb211c80319c";
        using (var upload = new HttpRequestMessage(HttpMethod.Post, "api/v1/instances/logged-01/hostinfo") { Content = ApiTestKit.Text(hostInfo) })
        {
            upload.Headers.Add("traceparent", $"00-{uploadTrace}-00f067aa0ba902b7-01");
            using var answer = await customer.SendAsync(upload);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        string license;
        using (var download = new HttpRequestMessage(HttpMethod.Post, "api/v1/instances/logged-01/license"))
        {
            download.Headers.Add("traceparent", $"00-{downloadTrace}-b7ad6b7169203331-01");
            download.Headers.Add("X-Agent-Version", "1.0.0");
            using var answer = await customer.SendAsync(download);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            license = await answer.Content.ReadAsStringAsync();
        }

        var uploaded = await LineAsync(portal, "LicensePortal.Services.HostInfoIntake", "uploaded host info");
        var downloaded = await LineAsync(portal, "LicensePortal.Services.LicenseService", "downloaded license revision");
        var uploadRequest = AssertScopes(uploaded, uploadTrace, "/api/v1/instances/logged-01/hostinfo", customerId, "logged-01");
        var downloadRequest = AssertScopes(downloaded, downloadTrace, "/api/v1/instances/logged-01/license", customerId, "logged-01");
        Assert.NotEqual(uploadRequest, downloadRequest);

        // Every line the logger wrote is one JSON object (a few plain lines are the first-run notices on Console.Out).
        var lines = portal.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.All(lines.Where(l => l.StartsWith('{')), l => JsonDocument.Parse(l).Dispose());
        Assert.DoesNotContain(lines, l => l.StartsWith('<')); // journald's "<6>Category[0] message" lines
        // Nothing secret anywhere: passwords, the tokens (their secret parts), the host info file, the license file.
        var signature = license.Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderByDescending(l => l.Length).First();
        string[] secrets = [PortalProcess.AdminPassword, CustomerPassword, Secret(adminToken), Secret(customerToken), hostInfo.Trim(), license.Trim(), signature.Trim()];
        foreach (var line in lines)
        {
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, line, StringComparison.Ordinal));
        }
    }

    /// <summary>The request id of the line, after checking its scopes: the hosting layer's request scope and the license scope.</summary>
    private static string AssertScopes(JsonElement line, string traceId, string path, string userId, string instanceName)
    {
        var scopes = line.GetProperty("Scopes").EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).ToList();
        var request = Assert.Single(scopes, s => s.TryGetProperty("RequestId", out _));
        Assert.Equal(path, request.GetProperty("RequestPath").GetString());
        var requestId = request.GetProperty("RequestId").GetString();
        Assert.False(string.IsNullOrEmpty(requestId));
        // The caller's trace id travels into the request's Activity scope (TraceId, SpanId), so a log line can be found by it.
        Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
        var license = Assert.Single(scopes, s => s.TryGetProperty("UserId", out _));
        Assert.Equal(userId, license.GetProperty("UserId").GetString());
        Assert.Equal(instanceName, license.GetProperty("InstanceName").GetString());
        return requestId!;
    }

    /// <summary>The first JSON line of <paramref name="category"/> whose message contains <paramref name="text"/> (stdout is read after the answer arrives, so waited for).</summary>
    private static async Task<JsonElement> LineAsync(PortalProcess portal, string category, string text)
    {
        for (var i = 0; i < 100; i++)
        {
            foreach (var line in portal.Output.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')))
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.GetProperty("Category").GetString() == category
                    && json.RootElement.GetProperty("Message").GetString()!.Contains(text, StringComparison.Ordinal))
                {
                    return json.RootElement.Clone();
                }
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no {category} line with \"{text}\" in:\n{portal.Output}");
    }

    private static async Task<string> TokenAsync(HttpClient http, string userName, string password)
    {
        using var answer = await http.PostAsJsonAsync("api/v1/tokens", new { userName, password, name = "logs" });
        return (await ApiTestKit.JsonAsync(answer, HttpStatusCode.Created)).GetProperty("token").GetString()!;
    }

    /// <summary>"lpat_0123456789abcdef_secret" → "secret": the part only the holder knows (the prefix is its public id).</summary>
    private static string Secret(string token) => token[(ApiTestKit.PrefixOf(token).Length + 1)..];
}
