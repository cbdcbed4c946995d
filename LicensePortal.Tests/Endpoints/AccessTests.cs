using System.Net;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Endpoints;

/// <summary>Who may reach which address: anonymous visitors, blocked Identity UI pages, customers on staff pages.</summary>
public sealed class AccessTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/instances")]
    [InlineData("/users")]
    [InlineData("/add_instance")]
    [InlineData("/create_user")]
    public async Task An_anonymous_request_for_a_portal_page_is_sent_to_the_sign_in_page(string path)
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Identity/Account/Login?ReturnUrl={Uri.EscapeDataString(path)}", response.Headers.Location?.PathAndQuery);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("LicensePortal.Auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_health_check_answers_200_anonymously()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/Identity/Account/Register")]
    [InlineData("/Identity/Account/ForgotPassword")]
    public async Task Self_registration_and_password_recovery_answer_404(string path)
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Posting_the_registration_form_creates_no_account()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();
        var token = await PortalWebFactory.FormTokenAsync(client, "/Identity/Account/Login");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = "mallory@example.com",
            ["Input.Password"] = "Mall0ry-Passw0rd!",
            ["Input.ConfirmPassword"] = "Mall0ry-Passw0rd!",
            ["__RequestVerificationToken"] = token,
        });

        using var response = await client.PostAsync(new Uri("/Identity/Account/Register", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        Assert.Null(await users.FindByEmailAsync("mallory@example.com"));
        Assert.Equal([PortalWebFactory.AdminUserName], await users.Users.Select(u => u.UserName!).ToListAsync());
    }

    [Theory]
    [InlineData("/Identity/Account/Manage/DeletePersonalData")]
    [InlineData("/Identity/Account/Manage/PersonalData")]
    [InlineData("/Identity/Account/Manage/Email")]
    public async Task Self_service_profile_and_deletion_pages_answer_404_to_a_signed_in_user(string path)
    {
        await using var factory = new PortalWebFactory();
        var (_, password) = await factory.CreateUserAsync("carol@example.com");
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, "carol@example.com", password);
        Assert.True(SignInTests.HasAuthCookie(signIn));

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_customer_asking_for_the_users_page_gets_no_account_data()
    {
        await using var factory = new PortalWebFactory();
        var (_, password) = await factory.CreateUserAsync("carol@example.com");
        await factory.CreateUserAsync("dave-the-other-customer");
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, "carol@example.com", password);
        Assert.True(SignInTests.HasAuthCookie(signIn));

        using var response = await client.GetAsync(new Uri("/users", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        // The endpoint's [Authorize(Policy = Staff)] forbids: the cookie handler sends the user to the access-denied page.
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Identity/Account/AccessDenied", response.Headers.Location?.AbsolutePath);
        Assert.DoesNotContain("users-grid", body, StringComparison.Ordinal);
        Assert.DoesNotContain("dave-the-other-customer", body, StringComparison.Ordinal);
    }
}
