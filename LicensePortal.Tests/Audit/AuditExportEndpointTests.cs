using System.Net;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Endpoints;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Audit;

/// <summary>GET /audit/export.csv and /audit through HTTP: administrators export, support staff view only, customers neither.</summary>
public sealed class AuditExportEndpointTests
{
    [Fact]
    public async Task An_administrator_downloads_the_filtered_trail_as_csv()
    {
        await using var factory = new PortalWebFactory();
        var (alice, _) = await factory.CreateUserAsync("alice");
        var instances = factory.Services.GetRequiredService<InstanceService>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var created = await instances.CreateAsync(await factory.AdminAsync(), new NewInstance("alice-01", alice.UserId, new InstanceQuotas(1, 1, 1, 1, 1, 1, today.AddYears(1))));
        Assert.True(created.Succeeded);
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);
        Assert.True(SignInTests.HasAuthCookie(signIn));

        using var response = await client.GetAsync(new Uri("/audit/export.csv?action=instance.", UriKind.Relative));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("at,actor,address,action,target_type,target,before,after", lines[0]);
        var row = Assert.Single(lines[1..]);
        Assert.Contains(",admin,", row, StringComparison.Ordinal);
        Assert.Contains(",instance.create,instance,alice-01,", row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PortalRole.Support, "/audit/export.csv")]
    [InlineData(PortalRole.User, "/audit/export.csv")]
    [InlineData(PortalRole.User, "/audit")]
    public async Task Staff_without_the_right_role_are_refused(string role, string path)
    {
        await using var factory = new PortalWebFactory();
        var (_, password) = await factory.CreateUserAsync("carol", role);
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, "carol", password);
        Assert.True(SignInTests.HasAuthCookie(signIn));

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Identity/Account/AccessDenied", response.Headers.Location?.AbsolutePath);
        Assert.DoesNotContain("instance.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Support_staff_open_the_audit_page()
    {
        await using var factory = new PortalWebFactory();
        var (_, password) = await factory.CreateUserAsync("sam", PortalRole.Support);
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, "sam", password);
        Assert.True(SignInTests.HasAuthCookie(signIn));

        using var response = await client.GetAsync(new Uri("/audit", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("audit-grid", body, StringComparison.Ordinal);
        Assert.DoesNotContain("audit-export", body, StringComparison.Ordinal);
    }
}
