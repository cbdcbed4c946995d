using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// Anyone who knows a customer's user name can lock the account with five wrong passwords. That stops password sign-in
/// for a while, and nothing else: the customer's scripts (personal token) and host agents (activation token) keep
/// working. Deactivating the account is what turns its tokens off.
/// </summary>
public sealed class LockoutLeavesIssuedTokensWorking
{

    [Fact]
    public async Task An_attacker_locks_the_account_but_its_personal_and_activation_tokens_still_work()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var script = ApiTestKit.WithToken(factory, await ApiTestKit.TokenAsync(factory, carol, "nightly"));
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "carols"));
        using var attacker = ApiTestKit.Anonymous(factory);

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await attacker.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = $"guess-{i}-password", name = "x" });
            Assert.True(wrong.StatusCode == HttpStatusCode.Unauthorized, $"attempt {i}: {(int)wrong.StatusCode}");
        }
        using var owner = ApiTestKit.Anonymous(factory);
        using var locked = await owner.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password = "Us3r-Passw0rd!", name = "x" });
        await ApiTestKit.ProblemAsync(locked, HttpStatusCode.Unauthorized, "Token.LockedOut");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True(await users.IsLockedOutAsync((await users.FindByNameAsync("carol"))!));
        }

        using var listed = await script.GetAsync(new Uri("/api/v1/instances/carols", UriKind.Relative));
        await ApiTestKit.JsonAsync(listed, HttpStatusCode.OK);
        using var upload = await host.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols")));
        await ApiTestKit.JsonAsync(upload, HttpStatusCode.OK);
        using var license = await host.PostAsync(new Uri("/api/v1/instances/carols/license", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, license.StatusCode);
    }

    [Fact]
    public async Task A_deactivated_accounts_tokens_stop_working()
    {
        await using var factory = new PortalWebFactory();
        var (carol, _) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, "carols", carol);
        using var script = ApiTestKit.WithToken(factory, await ApiTestKit.TokenAsync(factory, carol, "nightly"));
        using var host = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, "carols"));
        await factory.DeactivateAsync("carol");

        using var listed = await script.GetAsync(new Uri("/api/v1/instances/carols", UriKind.Relative));
        using var upload = await host.PostAsync(new Uri("/api/v1/instances/carols/hostinfo", UriKind.Relative), ApiTestKit.Text(ApiTestKit.HostInfo("carols")));

        await ApiTestKit.ProblemAsync(listed, HttpStatusCode.Unauthorized, "Error.Unauthorized");
        await ApiTestKit.ProblemAsync(upload, HttpStatusCode.Unauthorized, "Error.Unauthorized");
    }
}
