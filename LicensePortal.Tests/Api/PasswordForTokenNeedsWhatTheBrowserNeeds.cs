using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// An attacker who phished a password must not get a token the browser would not give them: an account with two-factor
/// sign-in, or one that must first replace its generated password, gets no token from POST /api/v1/tokens.
/// </summary>
public sealed class PasswordForTokenNeedsWhatTheBrowserNeeds
{
    private static async Task<int> TokenCountAsync(PortalWebFactory factory, string userName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await using var _ = db;
        var user = await db.Users.SingleAsync(u => u.UserName == userName);
        return await db.ApiTokens.CountAsync(t => t.OwnerId == user.Id);
    }

    private static async Task ChangeAsync(PortalWebFactory factory, string userName, Func<UserManager<PortalUser>, PortalUser, Task> change)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        await change(users, (await users.FindByNameAsync(userName))!);
    }

    [Fact]
    public async Task An_account_with_two_factor_sign_in_gets_no_token_for_its_password_alone()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await ChangeAsync(factory, "carol", async (users, carol) => Assert.True((await users.SetTwoFactorEnabledAsync(carol, true)).Succeeded));
        var before = await TokenCountAsync(factory, "carol");
        using var anonymous = ApiTestKit.Anonymous(factory);
        anonymous.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        using var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = "Us3r-Passw0rd!", name = "phished" });

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.Forbidden, "Token.SecondFactorRequired");
        Assert.Contains("Tokens page", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await TokenCountAsync(factory, "carol"));
    }

    [Fact]
    public async Task An_account_that_must_change_its_password_gets_no_token_and_is_told_so_in_its_language()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("dave");
        await ChangeAsync(factory, "dave", async (users, dave) =>
        {
            dave.MustChangePassword = true;
            Assert.True((await users.UpdateAsync(dave)).Succeeded);
        });
        var before = await TokenCountAsync(factory, "dave");
        using var anonymous = ApiTestKit.Anonymous(factory);
        anonymous.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");

        using var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { userName = "dave", password = "Us3r-Passw0rd!", name = "script" });

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.Forbidden, "Token.PasswordChangeRequired");
        Assert.Contains("必须先修改密码", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await TokenCountAsync(factory, "dave"));
    }
}
