using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LicensePortal.Data;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Accounts;

/// <summary>
/// The review found the two-factor setup page answering 500 for accounts without an e-mail (the first administrator
/// has none), so two-factor sign-in could not be turned on at all. Through the real pages, as a browser does (cookies,
/// antiforgery tokens): such an account opens the page, reads the key (and gets a QR code drawn on the portal itself),
/// proves a code from its authenticator app, sees its recovery codes; from then on the password alone is not enough,
/// in the browser or for a token.
/// </summary>
public sealed partial class AnAccountWithoutEmailTurnsOnTwoFactorSignIn
{
    private const string Password = "Us3r-Passw0rd!";
    private const string Manage = "/Identity/Account/Manage";

    [Fact]
    public async Task It_sets_up_an_authenticator_and_then_signs_in_with_its_codes()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("erin");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var erin = (await users.FindByNameAsync("erin"))!;
            Assert.True((await users.SetEmailAsync(erin, null)).Succeeded);
            Assert.Null(await users.GetEmailAsync(erin));
        }
        using var browser = factory.CreateBrowser();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        using (var signedIn = await PortalWebFactory.SignInAsync(browser, "erin", Password))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        using var setup = await browser.GetAsync(new Uri($"{Manage}/EnableAuthenticator", UriKind.Relative));
        var html = await setup.Content.ReadAsStringAsync();
        Assert.True(setup.StatusCode == HttpStatusCode.OK, $"{(int)setup.StatusCode}: {html}");
        Assert.Contains("Set up an authenticator app", html, StringComparison.Ordinal);
        var key = WebUtility.HtmlDecode(SharedKey().Match(html).Groups[1].Value);
        Assert.Matches("^[a-z2-7 ]{20,}$", key);
        // The QR code is an SVG in the page: nothing loaded from elsewhere, no script.
        Assert.Matches("<div id=\"qr-code\"[^>]*><svg ", html);
        Assert.DoesNotContain("qrcode.js", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data-url=\"otpauth", html, StringComparison.Ordinal);
        var phone = new Authenticator(key);

        using (var wrong = await PortalWebFactory.PostFormAsync(browser, $"{Manage}/EnableAuthenticator", [new("Input.Code", phone.WrongCode())]))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("The verification code is wrong or expired.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var enableCode = phone.Code();
        using (var enabled = await PortalWebFactory.PostFormAsync(browser, $"{Manage}/EnableAuthenticator", [new("Input.Code", enableCode)]))
        {
            Assert.Equal(HttpStatusCode.Redirect, enabled.StatusCode);
            Assert.EndsWith("/ShowRecoveryCodes", enabled.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        using (var recovery = await browser.GetAsync(new Uri($"{Manage}/ShowRecoveryCodes", UriKind.Relative)))
        {
            var page = await recovery.Content.ReadAsStringAsync();
            Assert.True(recovery.StatusCode == HttpStatusCode.OK, $"ShowRecoveryCodes {(int)recovery.StatusCode}");
            Assert.Contains("recovery codes", page, StringComparison.OrdinalIgnoreCase);
        }
        // The other two-factor pages of the default UI work for this account too.
        foreach (var other in new[] { "TwoFactorAuthentication", "GenerateRecoveryCodes", "Disable2fa", "ResetAuthenticator" })
        {
            using var response = await browser.GetAsync(new Uri($"{Manage}/{other}", UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{other}: {(int)response.StatusCode}");
        }
        using (var regenerated = await PortalWebFactory.PostFormAsync(browser, $"{Manage}/GenerateRecoveryCodes", []))
        {
            Assert.Equal(HttpStatusCode.Redirect, regenerated.StatusCode);
        }
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True(await users.GetTwoFactorEnabledAsync((await users.FindByNameAsync("erin"))!));
        }

        // The password alone no longer signs in: the browser is asked for the second factor...
        using var other2 = factory.CreateBrowser();
        using (var password = await PortalWebFactory.SignInAsync(other2, "erin", Password))
        {
            Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
            Assert.Contains("LoginWith2fa", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        using (var home = await other2.GetAsync(new Uri("/tokens", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, home.StatusCode); // not signed in yet
        }
        using (var second = await PortalWebFactory.PostFormAsync(other2, "/Identity/Account/LoginWith2fa?returnUrl=%2F&rememberMe=False",
            [new("Input.TwoFactorCode", phone.Code(1)), new("Input.RememberMachine", "false"), new("RememberMe", "false")]))
        {
            Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
            Assert.Equal("/", second.Headers.Location!.OriginalString);
        }

        // ...and the token exchange needs the code: none, the one already used at setup, then a fresh one.
        using var api = ApiTestKit.Anonymous(factory);
        using var none = await api.PostAsJsonAsync("/api/v1/tokens", new { userName = "erin", password = Password, name = "ci" });
        await ApiTestKit.ProblemAsync(none, HttpStatusCode.Forbidden, "Token.SecondFactorRequired");
        using var used = await api.PostAsJsonAsync("/api/v1/tokens", new { userName = "erin", password = Password, name = "ci", totp = enableCode });
        await ApiTestKit.ProblemAsync(used, HttpStatusCode.Unauthorized, "Token.SecondFactorInvalid");
        using var fresh = await api.PostAsJsonAsync("/api/v1/tokens", new { userName = "erin", password = Password, name = "ci", totp = phone.Code(2) });
        await ApiTestKit.JsonAsync(fresh, HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_setup_page_speaks_chinese_and_labels_the_key_with_the_user_name()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("frank");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True((await users.SetEmailAsync((await users.FindByNameAsync("frank"))!, null)).Succeeded);
        }
        using var browser = factory.CreateBrowser();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");
        using (var signedIn = await PortalWebFactory.SignInAsync(browser, "frank", Password))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        using var setup = await browser.GetAsync(new Uri($"{Manage}/EnableAuthenticator", UriKind.Relative));

        var html = WebUtility.HtmlDecode(await setup.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        Assert.Contains("设置身份验证器应用", html, StringComparison.Ordinal);
        Assert.Contains("验证码", html, StringComparison.Ordinal);
        var key = SharedKey().Match(html).Groups[1].Value.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        // What the app is given (the QR code's text, and the link for a phone's browser): the user name and the portal, no e-mail.
        Assert.Equal($"otpauth://totp/LicensePortal:frank?secret={key}&issuer=LicensePortal&digits=6", AppLink().Match(html).Groups[1].Value);
    }

    [GeneratedRegex("<a id=\"authenticator-link\" href=\"([^\"]+)\"")]
    private static partial Regex AppLink();

    [GeneratedRegex("<kbd id=\"shared-key\">([^<]+)</kbd>")]
    private static partial Regex SharedKey();
}
