using System.Net;
using System.Net.Http.Json;
using System.Text;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Api;

/// <summary>
/// <c>version</c> on an account update is optional, as on an instance update (left out: the account as stored when the
/// request is read). A value that cannot be one of ours (blank, not a string) is a 400 and changes nothing; any other
/// value is opaque: it either matches or is stale (409 with the current values).
/// </summary>
public sealed class AnAccountVersionIsOptionalButNeverBlank
{
    [Theory]
    [InlineData("""{"organization":"Initech","version":""}""", "version")]
    [InlineData("""{"organization":"Initech","version":"   "}""", "version")]
    [InlineData("""{"organization":"Initech","version":42}""", null)]
    [InlineData("""{"organization":"Initech","version":{"stamp":"x"}}""", null)]
    public async Task A_version_that_cannot_be_ours_is_a_bad_request_and_changes_nothing(string body, string? field)
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (carol, _) = await factory.CreateUserAsync("carol");
        var before = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri($"/api/v1/users/{carol.UserId}", UriKind.Relative)), HttpStatusCode.OK);

        using var update = await admin.PutAsync(new Uri($"/api/v1/users/{carol.UserId}", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        using var status = await admin.PutAsync(new Uri($"/api/v1/users/{carol.UserId}/status", UriKind.Relative),
            new StringContent(body.Replace("\"organization\":\"Initech\"", "\"isActive\":false", StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        foreach (var response in new[] { update, status })
        {
            var problem = await ApiTestKit.JsonAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (field is not null)
            {
                Assert.Equal("Error.InvalidValue", problem.GetProperty("code").GetString());
                Assert.Equal(field, problem.GetProperty("field").GetString());
            }
        }
        var after = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri($"/api/v1/users/{carol.UserId}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(before.GetRawText(), after.GetRawText());
    }

    [Fact]
    public async Task A_version_we_never_gave_is_merely_stale()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (carol, _) = await factory.CreateUserAsync("carol");

        using var response = await admin.PutAsJsonAsync($"/api/v1/users/{carol.UserId}", new { organization = "Initech", version = "not-a-version" });

        var conflict = await ApiTestKit.ProblemAsync(response, HttpStatusCode.Conflict, "Error.Conflict", "version");
        Assert.Equal("Acme", conflict.GetProperty("current").GetProperty("organization").GetString());
    }

    [Fact]
    public async Task Without_a_version_the_change_applies_to_the_account_as_stored()
    {
        await using var factory = new PortalWebFactory();
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());
        var (carol, _) = await factory.CreateUserAsync("carol");
        var before = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri($"/api/v1/users/{carol.UserId}", UriKind.Relative)), HttpStatusCode.OK);

        using var response = await admin.PutAsJsonAsync($"/api/v1/users/{carol.UserId}", new { organization = "Initech" });

        var updated = await ApiTestKit.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("Initech", updated.GetProperty("organization").GetString());
        Assert.NotEqual(before.GetProperty("version").GetString(), updated.GetProperty("version").GetString());
    }
}
