using System.Net;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Endpoints;

/// <summary>Signing in through the real Identity UI login page, with the portal's account rules.</summary>
public sealed class SignInTests
{
    // An e-mail-shaped user name, so one account exercises both ways the login page finds a user.
    private const string Carol = "carol@example.com";
    private const string WrongPassword = "Wr0ng-Passw0rd!";

    [Fact]
    public async Task The_first_administrator_signs_in_with_the_user_name_admin()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await PortalWebFactory.SignInAsync(client, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.True(HasAuthCookie(response), "the login page set no sign-in cookie for the bootstrap administrator");
    }

    [Fact]
    public async Task A_user_signs_in_and_reaches_their_instances()
    {
        await using var factory = new PortalWebFactory();
        var (_, password) = await factory.CreateUserAsync(Carol);
        var client = factory.CreateBrowser();

        using var signIn = await PortalWebFactory.SignInAsync(client, Carol, password);
        using var instances = await client.GetAsync(new Uri("/instances", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.True(HasAuthCookie(signIn));
        Assert.Equal(HttpStatusCode.OK, instances.StatusCode);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_so_the_right_one_is_refused()
    {
        await using var factory = new PortalWebFactory();
        var (carol, password) = await factory.CreateUserAsync(Carol);
        var client = factory.CreateBrowser();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await PortalWebFactory.SignInAsync(client, Carol, WrongPassword);
        }

        using var right = await PortalWebFactory.SignInAsync(client, Carol, password);

        Assert.False(HasAuthCookie(right), "a locked-out account was signed in");
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.StartsWith("/Identity/Account/Lockout", right.Headers.Location?.OriginalString, StringComparison.Ordinal);
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByIdAsync(carol.UserId))!));
    }

    [Fact]
    public async Task A_deactivated_user_cannot_sign_in()
    {
        await using var factory = new PortalWebFactory();
        var (carol, password) = await factory.CreateUserAsync(Carol);
        var deactivated = await factory.Services.GetRequiredService<UserAdminService>().SetActiveAsync(await factory.AdminAsync(), carol.UserId, active: false);
        Assert.True(deactivated.Succeeded);
        var client = factory.CreateBrowser();

        using var signIn = await PortalWebFactory.SignInAsync(client, Carol, password);
        using var instances = await client.GetAsync(new Uri("/instances", UriKind.Relative));

        Assert.False(HasAuthCookie(signIn), "a deactivated account was signed in");
        Assert.Equal(HttpStatusCode.Redirect, instances.StatusCode);
        Assert.StartsWith("/Identity/Account/Login", instances.Headers.Location?.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_with_a_generated_password_is_sent_to_change_it_when_asking_for_instances()
    {
        await using var factory = new PortalWebFactory();
        var (_, generated) = await factory.CreateUserAsync(Carol, password: null);
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, Carol, generated);
        Assert.True(HasAuthCookie(signIn));

        using var instances = await client.GetAsync(new Uri("/instances", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, instances.StatusCode);
        Assert.Equal(AccountPages.ChangePassword, instances.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task After_changing_the_generated_password_the_user_reaches_their_instances()
    {
        await using var factory = new PortalWebFactory();
        var (carol, generated) = await factory.CreateUserAsync(Carol, password: null);
        var client = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(client, Carol, generated);
        const string newPassword = "N3w-Passw0rd-Carol!";

        using var change = await PortalWebFactory.PostFormAsync(client, AccountPages.ChangePassword,
            [new("Input.OldPassword", generated), new("Input.NewPassword", newPassword), new("Input.ConfirmPassword", newPassword)]);
        using var instances = await client.GetAsync(new Uri("/instances", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, change.StatusCode);
        Assert.Equal(HttpStatusCode.OK, instances.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var stored = (await users.FindByIdAsync(carol.UserId))!;
        Assert.False(stored.MustChangePassword);
        Assert.True(await users.CheckPasswordAsync(stored, newPassword));
        Assert.False(await users.CheckPasswordAsync(stored, generated));
    }

    internal static bool HasAuthCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
        && cookies.Any(c => c.StartsWith("LicensePortal.Auth=", StringComparison.Ordinal) && !c.StartsWith("LicensePortal.Auth=;", StringComparison.Ordinal));
}
