using System.Text.RegularExpressions;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// The account pages (sign-in, the second factor, a recovery code, lockout, access denied, sign-out, change password and
/// every two-factor page) in a real Chromium, for a Chinese and an English browser: each page is wholly in the viewer's
/// language (no text of the other one, as the review found: English on Chinese pages, "Password / 密码" on English
/// ones), carries the portal's app bar (title, language menu, account menu) and the Blazor pages' theme, font and app
/// bar colour; the language menu switches the page in place. On the way: the first administrator, whose password was
/// generated, is held on the change-password page until it is changed, and the browser refuses a new password the
/// server would refuse before sending it.
/// </summary>
public sealed partial class AccountPagesSpeakTheViewersLanguage
{
    private const string NewPassword = "Fresh-Adm1n-Passw0rd!";

    [Fact]
    public async Task Every_account_page_is_in_the_viewers_language_with_the_portals_app_bar()
    {
        var folder = Directory.CreateTempSubdirectory("lp-account-pages-");
        var passwordFile = Path.Combine(folder.FullName, "first-admin-password.txt");
        // No configured password: the first administrator's is generated, as on a real first run.
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["Bootstrap__AdminPassword"] = "",
            ["Bootstrap__PasswordFile"] = passwordFile,
        });
        var generated = PasswordLine().Match(await File.ReadAllTextAsync(passwordFile)).Groups[1].Value;
        var (playwright, browser) = await Browsers.LaunchAsync();
        IPage? current = null;
        try
        {
            // ---- Chinese: the first sign-in, held on the change-password page.
            var zh = current = await PageAsync(browser, portal, "zh-CN");
            await zh.GotoAsync("Identity/Account/Login");
            await AssertPageAsync(zh, Chinese, "sign-in");
            await zh.FillAsync("#Input_UserName", PortalProcess.AdminUserName);
            await zh.FillAsync("#Input_Password", generated);
            await zh.ClickAsync("#login-submit");
            await zh.WaitForURLAsync(url => url.Contains("/Identity/Account/Manage/ChangePassword", StringComparison.Ordinal));
            await zh.Locator("#must-change-password").WaitForAsync();
            await AssertPageAsync(zh, Chinese, "change password (must change)");
            await zh.GotoAsync("instances");
            Assert.Contains("/Identity/Account/Manage/ChangePassword", zh.Url, StringComparison.Ordinal);
            // The rules are on the page before anything is typed, and the browser checks them.
            var rules = await zh.Locator("#password-rules li").AllInnerTextsAsync();
            Assert.Equal(["至少 10 个字符", "一个大写字母（A–Z）", "一个小写字母（a–z）", "一个数字（0–9）", "一个符号（字母和数字以外的字符，例如 ! - #）"], rules);
            foreach (var weak in new[] { "short1!A", "alllowercase1!", "NoDigitsHere!!", "NoSymbol12345", "ALLUPPER123!" })
            {
                await zh.FillAsync("#Input_NewPassword", weak);
                Assert.False(await zh.EvalOnSelectorAsync<bool>("#Input_NewPassword", "e => e.checkValidity()"), $"the browser let '{weak}' through");
            }
            await zh.FillAsync("#Input_OldPassword", generated);
            await zh.FillAsync("#Input_NewPassword", NewPassword);
            Assert.True(await zh.EvalOnSelectorAsync<bool>("#Input_NewPassword", "e => e.checkValidity()"));
            await zh.FillAsync("#Input_ConfirmPassword", NewPassword);
            await zh.ClickAsync("#change-password-submit");
            await zh.Locator("[role=alert]:has-text('密码已修改')").WaitForAsync();
            Assert.Equal(0, await zh.Locator("#must-change-password").CountAsync());
            await AssertPageAsync(zh, Chinese, "change password (changed)");
            await zh.GotoInteractiveAsync("instances");
            Assert.EndsWith("/instances", zh.Url, StringComparison.Ordinal);
            var blazorLook = await LookAsync(zh);

            foreach (var path in SignedInPages)
            {
                await zh.GotoAsync(path);
                await AssertPageAsync(zh, Chinese, path);
                Assert.Equal(blazorLook, await LookAsync(zh));
            }

            // ---- English: anonymous pages, then the same pages signed in, then two-factor sign-in turned on.
            var en = current = await PageAsync(browser, portal, "en-US");
            foreach (var path in new[] { "Identity/Account/Login", "Identity/Account/Lockout", "Identity/Account/Logout" })
            {
                await en.GotoAsync(path);
                await AssertPageAsync(en, English, path);
            }
            await en.SignInAsync(PortalProcess.AdminUserName, NewPassword);
            foreach (var path in SignedInPages)
            {
                await en.GotoAsync(path);
                await AssertPageAsync(en, English, path);
            }
            await en.GotoAsync("Identity/Account/Manage/EnableAuthenticator");
            var sharedKey = await en.InnerTextAsync("#shared-key");
            var phone = new Authenticator(sharedKey);
            // The key has a copy button (portal.js, no inline script): it copies the key and says so.
            await en.ClickAsync("#copy-shared-key");
            await Assertions.Expect(en.Locator("#copy-shared-key-status")).ToHaveTextAsync("Copied");
            Assert.Equal(sharedKey, await en.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
            await en.FillAsync("#Input_Code", phone.Code());
            await en.ClickAsync("#verify-code");
            await en.WaitForURLAsync(url => url.Contains("/ShowRecoveryCodes", StringComparison.Ordinal));
            Assert.Equal(10, await en.Locator("#recovery-codes li").CountAsync());
            await AssertPageAsync(en, English, "recovery codes");
            var recoveryCode = await en.InnerTextAsync("#recovery-codes li >> nth=0");
            await en.ClickAsync("#copy-recovery-codes");
            await Assertions.Expect(en.Locator("#copy-recovery-codes-status")).ToHaveTextAsync("Copied");
            Assert.Equal(string.Join("\n", await en.Locator("#recovery-codes li").AllInnerTextsAsync()), await en.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
            foreach (var path in new[] { "Identity/Account/Manage/TwoFactorAuthentication", "Identity/Account/Manage/GenerateRecoveryCodes", "Identity/Account/Manage/Disable2fa" })
            {
                await en.GotoAsync(path);
                Assert.Contains(path, en.Url, StringComparison.Ordinal);
                await AssertPageAsync(en, English, path);
            }

            // The language menu: the same page, now in Chinese.
            await en.GotoAsync("Identity/Account/Manage/TwoFactorAuthentication");
            await en.ClickAsync("#culture-switch");
            await en.ClickAsync("#culture-menu [lang=zh-Hans]");
            await en.Locator("html[lang=zh-Hans]").WaitForAsync();
            Assert.Contains("/Identity/Account/Manage/TwoFactorAuthentication", en.Url, StringComparison.Ordinal);
            await AssertPageAsync(en, Chinese, "two-factor after switching");

            // ---- The second factor, in Chinese: the code page, then a recovery code instead.
            var second = current = await PageAsync(browser, portal, "zh-CN");
            await second.GotoAsync("Identity/Account/Login");
            await second.FillAsync("#Input_UserName", PortalProcess.AdminUserName);
            await second.FillAsync("#Input_Password", NewPassword);
            await second.ClickAsync("#login-submit");
            await second.WaitForURLAsync(url => url.Contains("/Identity/Account/LoginWith2fa", StringComparison.Ordinal));
            await AssertPageAsync(second, Chinese, "second factor");
            await second.ClickAsync("#recovery-code-login");
            await second.WaitForURLAsync(url => url.Contains("/Identity/Account/LoginWithRecoveryCode", StringComparison.Ordinal));
            await AssertPageAsync(second, Chinese, "recovery code");
            await second.FillAsync("#Input_RecoveryCode", "not-a-code");
            await second.ClickAsync("#recovery-code-submit");
            await second.Locator(".mud-input-helper-text.mud-input-error:has-text('恢复码错误')").WaitForAsync();
            await AssertPageAsync(second, Chinese, "recovery code refused");
            await second.FillAsync("#Input_RecoveryCode", recoveryCode);
            await second.ClickAsync("#recovery-code-submit");
            await second.WaitForURLAsync(url => !url.Contains("/Identity/Account/", StringComparison.Ordinal));

            // Sign-out from the account menu of an account page.
            await second.GotoAsync("Identity/Account/Manage/ChangePassword");
            await second.ClickAsync("#account-switch");
            await second.ClickAsync("#sign-out");
            await second.WaitForURLAsync(url => !url.Contains("/Manage/", StringComparison.Ordinal));
            await second.GotoAsync("Identity/Account/Logout");
            await second.Locator("#logout-done").WaitForAsync();
            await AssertPageAsync(second, Chinese, "signed out");
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException && current is not null)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-browser-failure-{Guid.NewGuid():N}.png");
            await current!.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}.\nPortal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The account pages a signed-in account without two-factor sign-in opens (Disable2fa sends it to the overview).</summary>
    private static readonly string[] SignedInPages =
    [
        "Identity/Account/Manage/ChangePassword",
        "Identity/Account/Manage/TwoFactorAuthentication",
        "Identity/Account/Manage/EnableAuthenticator",
        "Identity/Account/Manage/ResetAuthenticator",
        "Identity/Account/AccessDenied",
        "Identity/Account/Logout",
    ];

    private sealed record Language(string Lang, string Title, Func<string, IEnumerable<string>> Foreign);

    /// <summary>Chinese pages: no English words, other than proper names that stay as they are in Chinese too.</summary>
    private static readonly Language Chinese = new("zh-Hans", "许可管理系统", text => LatinWord().Matches(text).Select(m => m.Value)
        .Where(w => w is not ("admin" or "Microsoft" or "Authenticator" or "Google" or "FreeOTP")));

    /// <summary>English pages: no Chinese characters.</summary>
    private static readonly Language English = new("en", "LicensePortal", text => ChineseText().Matches(text).Select(m => m.Value));

    private static async Task<IPage> PageAsync(IBrowser browser, PortalProcess portal, string locale)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseAddress.ToString(),
            Locale = locale,
            Permissions = ["clipboard-read", "clipboard-write"], // the copy buttons of the shared key and the recovery codes
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(45_000);
        return page;
    }

    private static async Task AssertPageAsync(IPage page, Language language, string where)
    {
        Assert.Equal(language.Lang, await page.GetAttributeAsync("html", "lang"));
        // The app bar: the portal's title and the language menu; the account menu when signed in (not on the sign-in steps).
        Assert.Equal(language.Title, (await page.InnerTextAsync("header.mud-appbar .portal-appbar-title")).Trim());
        Assert.Equal(1, await page.Locator("header.mud-appbar #culture-switch[popovertarget=culture-menu]").CountAsync());
        Assert.Equal(1, await page.Locator("main h1").CountAsync());
        // Every text of the page, menus and labels included (the language names in the menu are each in its own language).
        var texts = await page.EvaluateAsync<string[]>("""
            () => {
                const copy = document.documentElement.cloneNode(true);
                copy.querySelectorAll("script, style, svg, kbd, code, [lang]:not(html)").forEach(e => e.remove());
                const attributes = [...copy.querySelectorAll("[aria-label], [title], [placeholder]")]
                    .flatMap(e => ["aria-label", "title", "placeholder"].filter(a => e.hasAttribute(a)).map(a => `${e.tagName.toLowerCase()} ${a}=${e.getAttribute(a)}`));
                return [copy.textContent, ...attributes];
            }
            """);
        var problems = texts.Select((text, i) => (Text: i == 0 ? text : text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..], Where: i == 0 ? "text" : text))
            .SelectMany(t => language.Foreign(t.Text).Select(word => (Word: word, t.Text, t.Where)))
            .ToList();
        if (problems.Count > 0)
        {
            var (word, text, owner) = problems[0];
            var at = text.IndexOf(word, StringComparison.Ordinal);
            Assert.Fail($"{where} ({page.Url}) shows text of the other language: {string.Join(", ", problems.Select(p => p.Word).Distinct())}, e.g. in {owner}: \"{text[Math.Max(0, at - 60)..Math.Min(text.Length, at + 60)].Trim()}\"");
        }
    }

    /// <summary>What the Blazor pages and the account pages must share: the body font and the app bar's colours.</summary>
    private static Task<string> LookAsync(IPage page) => page.EvaluateAsync<string>("""
        () => {
            const bar = getComputedStyle(document.querySelector("header.mud-appbar"));
            return [getComputedStyle(document.body).fontFamily, bar.backgroundColor, bar.color, bar.height].join(" | ");
        }
        """);

    [GeneratedRegex(@"^password: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex PasswordLine();

    [GeneratedRegex("[A-Za-z]{2,}")]
    private static partial Regex LatinWord();

    [GeneratedRegex(@"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+")]
    private static partial Regex ChineseText();
}
