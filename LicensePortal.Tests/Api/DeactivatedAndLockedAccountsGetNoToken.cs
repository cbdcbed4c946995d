using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// The password exchange refuses what the sign-in page refuses, each with its own code: a deactivated account
/// (Token.AccountDeactivated, 403, as the sign-in page says "deactivated") and a locked one (Token.LockedOut, 401), even
/// with the right password; nothing is created.
/// </summary>
public sealed class DeactivatedAndLockedAccountsGetNoToken
{
    private static async Task<int> TokenCountAsync(PortalWebFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().ApiTokens.CountAsync();
    }


    [Fact]
    public async Task A_deactivated_account_gets_no_token_for_its_right_password()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await factory.DeactivateAsync("carol");
        using var client = ApiTestKit.Anonymous(factory);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = "Us3r-Passw0rd!", name = "x" });

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.Forbidden, "Token.AccountDeactivated");
        Assert.Contains("deactivated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await TokenCountAsync(factory));
    }

    [Fact]
    public async Task A_locked_account_gets_no_token_for_its_right_password()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True((await users.SetLockoutEndDateAsync((await users.FindByNameAsync("carol"))!, DateTimeOffset.UtcNow.AddMinutes(5))).Succeeded);
        }
        using var client = ApiTestKit.Anonymous(factory);

        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = "Us3r-Passw0rd!", name = "x" });

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.Unauthorized, "Token.LockedOut");
        Assert.Contains("锁定", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await TokenCountAsync(factory));
    }
}
