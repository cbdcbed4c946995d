using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>Helpers for API tests: token-carrying clients, instances, host info files and problem-details checks.</summary>
internal static class ApiTestKit
{
    public const string Mac = "52:54:00:ab:cd:ef";
    public const string Serial = "SN-API-0001";

    public static HttpClient Anonymous(WebApplicationFactory<Program> factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    public static HttpClient WithToken(WebApplicationFactory<Program> factory, string token)
    {
        var client = Anonymous(factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A personal token for the actor, made through the real service.</summary>
    public static async Task<string> TokenAsync(WebApplicationFactory<Program> factory, PortalActor actor, string name = "test")
    {
        var result = await factory.Services.GetRequiredService<ApiTokenService>().CreatePersonalAsync(actor, name, 30);
        Assert.True(result.Succeeded);
        return result.Value!.Secret;
    }

    public static async Task<HttpClient> ClientAsync(WebApplicationFactory<Program> factory, PortalActor actor) => WithToken(factory, await TokenAsync(factory, actor));

    public static async Task<InstanceRow> InstanceAsync(PortalWebFactory factory, string name, PortalActor owner)
    {
        var quotas = new InstanceQuotas(10, 5, 20, 64, 256, 2048, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1));
        var result = await factory.Services.GetRequiredService<InstanceService>().CreateAsync(await factory.AdminAsync(), new NewInstance(name, owner.UserId, quotas));
        Assert.True(result.Succeeded, string.Join(",", result.Errors.Select(e => e.Code)));
        return result.Value!;
    }

    public static async Task<string> ActivationTokenAsync(PortalWebFactory factory, string instance)
    {
        var result = await factory.Services.GetRequiredService<ActivationTokenService>().CreateActivationAsync(await factory.AdminAsync(), instance, 7);
        Assert.True(result.Succeeded);
        return result.Value!.Secret;
    }

    public static string HostInfo(string instance, HostKey? key = null) =>
        HostInfoFile.Write(instance, Mac, Serial, key ?? HostKey.Generate(), DateTimeOffset.UtcNow);

    public static StringContent Text(string text) => new(text, System.Text.Encoding.UTF8, "text/plain");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 answer with this status, code and field; returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.Equal(code, root.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.Equal(field, root.GetProperty("field").GetString());
        }
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("detail").GetString()));
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        return root;
    }

    public static Task<HttpResponseMessage> DeleteJsonAsync(HttpClient client, string path, object body) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Content = JsonContent.Create(body) });

    public static async Task SetExpiredAsync(PortalWebFactory factory, string prefix)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var id = prefix[(prefix.IndexOf('_', StringComparison.Ordinal) + 1)..];
        var past = DateTime.UtcNow.AddMinutes(-1);
        var personal = await db.ApiTokens.FindAsync(await IdOfAsync(db, id, activation: false));
        if (personal is not null)
        {
            personal.ExpiresAt = past;
        }
        var activation = await db.ActivationTokens.FindAsync(await IdOfAsync(db, id, activation: true));
        if (activation is not null)
        {
            activation.ExpiresAt = past;
        }
        await db.SaveChangesAsync();
    }

    private static Task<int> IdOfAsync(AppDbContext db, string tokenId, bool activation) => activation
        ? Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(db.ActivationTokens.Where(t => t.TokenId == tokenId).Select(t => t.Id))
        : Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(db.ApiTokens.Where(t => t.TokenId == tokenId).Select(t => t.Id));

    /// <summary>"lpat_0123456789abcdef_secret" → "lpat_0123456789abcdef".</summary>
    public static string PrefixOf(string token) => token[..(token.IndexOf('_', token.IndexOf('_', StringComparison.Ordinal) + 1))];
}
