using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

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

    public void Dispose() => _http.Dispose();
}
