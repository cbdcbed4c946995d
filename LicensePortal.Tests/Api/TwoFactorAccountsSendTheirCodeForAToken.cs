using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// An account with two-factor sign-in gets a token for its password and the current authenticator code (<c>totp</c>)
/// and for nothing less: no code is Token.SecondFactorRequired, a wrong one Token.SecondFactorInvalid and a failed
/// attempt towards lockout, and a code that already worked once does not work again (someone who saw it cannot replay it).
/// </summary>
public sealed class TwoFactorAccountsSendTheirCodeForAToken
{
    private const string Password = "Us3r-Passw0rd!";

    private static async Task<Authenticator> TurnOnTwoFactorAsync(PortalWebFactory factory, string userName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByNameAsync(userName))!;
        Assert.True((await users.ResetAuthenticatorKeyAsync(user)).Succeeded);
        Assert.True((await users.SetTwoFactorEnabledAsync(user, true)).Succeeded);
        return new Authenticator((await users.GetAuthenticatorKeyAsync(user))!);
    }

    private static async Task<(int Tokens, int Failures, bool Locked)> AccountAsync(PortalWebFactory factory, string userName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByNameAsync(userName))!;
        var tokens = await scope.ServiceProvider.GetRequiredService<AppDbContext>().ApiTokens.CountAsync(t => t.OwnerId == user.Id);
        return (tokens, await users.GetAccessFailedCountAsync(user), await users.IsLockedOutAsync(user));
    }

    private static Task<HttpResponseMessage> ExchangeAsync(HttpClient client, string? totp, string password = Password) =>
        client.PostAsJsonAsync("/api/v1/tokens", new { userName = "carol", password, name = "ci", totp });

    [Fact]
    public async Task The_current_code_gets_a_token_that_works_and_the_same_code_twice_does_not()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        var phone = await TurnOnTwoFactorAsync(factory, "carol");
        using var client = ApiTestKit.Anonymous(factory);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var code = phone.Code();

        using var created = await ExchangeAsync(client, code);
        var token = (await ApiTestKit.JsonAsync(created, HttpStatusCode.Created)).GetProperty("token").GetString()!;
        using var withToken = ApiTestKit.WithToken(factory, token);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync(new Uri("/api/v1/tokens", UriKind.Relative))).StatusCode);

        using var replayed = await ExchangeAsync(client, code);
        await ApiTestKit.ProblemAsync(replayed, HttpStatusCode.Unauthorized, "Token.SecondFactorInvalid", "totp");
        // Written with a space, as apps show it: still the same code.
        using var respelled = await ExchangeAsync(client, code[..3] + " " + code[3..]);
        await ApiTestKit.ProblemAsync(respelled, HttpStatusCode.Unauthorized, "Token.SecondFactorInvalid", "totp");
        Assert.Equal(1, (await AccountAsync(factory, "carol")).Tokens);

        // The next step's code (accepted ahead, as Identity allows for clock drift) is a new code.
        using var next = await ExchangeAsync(client, phone.Code(1));
        await ApiTestKit.JsonAsync(next, HttpStatusCode.Created);
        Assert.Equal(2, (await AccountAsync(factory, "carol")).Tokens);
    }

    [Fact]
    public async Task Without_a_code_the_answer_says_a_second_factor_is_needed_and_nothing_counts()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await TurnOnTwoFactorAsync(factory, "carol");
        using var client = ApiTestKit.Anonymous(factory);

        using var response = await ExchangeAsync(client, null);

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.Forbidden, "Token.SecondFactorRequired");
        Assert.Contains("totp", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((0, 0, false), await AccountAsync(factory, "carol"));
    }

    [Fact]
    public async Task Wrong_codes_get_no_token_and_lock_the_account_like_wrong_passwords()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        var phone = await TurnOnTwoFactorAsync(factory, "carol");
        using var client = ApiTestKit.Anonymous(factory);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");

        using var first = await ExchangeAsync(client, phone.WrongCode());
        var problem = await ApiTestKit.ProblemAsync(first, HttpStatusCode.Unauthorized, "Token.SecondFactorInvalid", "totp");
        Assert.Contains("验证码错误", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((0, 1, false), await AccountAsync(factory, "carol"));

        for (var i = 2; i <= 4; i++)
        {
            using var wrong = await ExchangeAsync(client, phone.WrongCode());
            await ApiTestKit.ProblemAsync(wrong, HttpStatusCode.Unauthorized, "Token.SecondFactorInvalid");
        }
        using var fifth = await ExchangeAsync(client, phone.WrongCode());
        await ApiTestKit.ProblemAsync(fifth, HttpStatusCode.Unauthorized, "Token.LockedOut");

        // Locked: the right password and the right code get nothing either.
        using var right = await ExchangeAsync(client, phone.Code());
        await ApiTestKit.ProblemAsync(right, HttpStatusCode.Unauthorized, "Token.LockedOut");
        var account = await AccountAsync(factory, "carol");
        Assert.Equal(0, account.Tokens);
        Assert.True(account.Locked);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData(" ")]
    public async Task A_malformed_code_is_refused_before_the_password_is_checked(string totp)
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("carol");
        await TurnOnTwoFactorAsync(factory, "carol");
        using var client = ApiTestKit.Anonymous(factory);

        using var response = await ExchangeAsync(client, totp, "wrong-password");

        await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "Token.SecondFactorFormat", "totp");
        Assert.Equal((0, 0, false), await AccountAsync(factory, "carol"));
    }
}
