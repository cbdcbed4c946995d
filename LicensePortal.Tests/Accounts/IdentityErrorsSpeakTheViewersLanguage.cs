using System.Net;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Accounts;

/// <summary>
/// Identity's own refusals (a weak new password, a wrong current one) reach the change-password page in the viewer's
/// language, not Identity's built-in English, and the stored password stays as it was.
/// </summary>
public sealed class IdentityErrorsSpeakTheViewersLanguage
{
    [Theory]
    [InlineData("zh-CN", "密码至少需要 10 个字符。", "密码需要包含一个符号（字母和数字以外的字符）。", "当前密码错误。")]
    [InlineData("en", "A password needs at least 10 characters.", "A password needs a symbol (a character other than a letter or digit).", "The current password is wrong.")]
    public async Task A_refused_new_password_is_explained_in_the_viewers_language(string language, string tooShort, string noSymbol, string wrongCurrent)
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("heidi");
        using var browser = factory.CreateBrowser();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        using (await PortalWebFactory.SignInAsync(browser, "heidi", "Us3r-Passw0rd!"))
        {
        }

        using var weak = await PortalWebFactory.PostFormAsync(browser, "/Identity/Account/Manage/ChangePassword",
            [new("Input.OldPassword", "Us3r-Passw0rd!"), new("Input.NewPassword", "Weak1"), new("Input.ConfirmPassword", "Weak1")]);
        var html = WebUtility.HtmlDecode(await weak.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        Assert.Contains(tooShort, html, StringComparison.Ordinal);
        Assert.Contains(noSymbol, html, StringComparison.Ordinal);
        Assert.DoesNotContain("Passwords must", html, StringComparison.Ordinal);

        using var wrong = await PortalWebFactory.PostFormAsync(browser, "/Identity/Account/Manage/ChangePassword",
            [new("Input.OldPassword", "Not-The-Passw0rd!"), new("Input.NewPassword", "Str0ng-New-Passw0rd!"), new("Input.ConfirmPassword", "Str0ng-New-Passw0rd!")]);
        html = WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync());
        Assert.Contains(wrongCurrent, html, StringComparison.Ordinal);
        Assert.DoesNotContain("Incorrect password", html, StringComparison.Ordinal);

        // Nothing changed: the old password still signs in.
        using var again = factory.CreateBrowser();
        using var signIn = await PortalWebFactory.SignInAsync(again, "heidi", "Us3r-Passw0rd!");
        Assert.True(Endpoints.SignInTests.HasAuthCookie(signIn));
    }
}
