using System.Net;
using System.Text.RegularExpressions;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace LicensePortal.Tests.Accounts;

/// <summary>
/// The review found the change-password page hinting "at least 6" while the server wanted 10, an upper-case letter, a
/// digit and a symbol. The rules the page shows and the pattern the browser checks are made from the Identity options
/// the server validates with: for the portal's options and for others, the pattern accepts exactly what Identity's
/// password validator accepts, and the page lists each rule before anything is typed.
/// </summary>
public sealed class PasswordRulesComeFromTheIdentityOptions
{
    private static readonly string[] Samples =
    [
        "", "a", "Sh0rt!", "Exactly9!", "Exactly10!A", "alllowercase1!", "ALLUPPERCASE1!", "NoDigitsHere!!", "NoSymbol12345",
        "Adm1n-Passw0rd!", "Ünïcödé-Passw0rd", "Space 1n Passw0rd", "aaaaaaaaaaaaaaaa", "Aa1!Aa1!Aa1!", "12345678901234",
    ];

    [Fact]
    public async Task The_browsers_pattern_accepts_what_the_server_accepts_for_the_portals_options_and_others()
    {
        await using var factory = new PortalWebFactory();
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var text = scope.ServiceProvider.GetRequiredService<IStringLocalizer<SharedResource>>();
        var portal = scope.ServiceProvider.GetRequiredService<IOptions<IdentityOptions>>().Value;
        Assert.Equal(10, portal.Password.RequiredLength);

        var others = new[]
        {
            portal,
            new IdentityOptions { Password = { RequiredLength = 14, RequireDigit = false, RequireNonAlphanumeric = false } },
            new IdentityOptions { Password = { RequiredLength = 6, RequireUppercase = false, RequireLowercase = false } },
        };
        foreach (var options in others)
        {
            var rules = new PasswordRules(Microsoft.Extensions.Options.Options.Create(options), text);
            // The browser anchors a pattern attribute: ^(?:pattern)$.
            var browser = new Regex($"^(?:{rules.Pattern})$", RegexOptions.Singleline, TimeSpan.FromSeconds(1));
            var validator = new PasswordValidator<PortalUser>();
            var manager = new OptionsUserManager(users, options);
            foreach (var sample in Samples)
            {
                var server = (await validator.ValidateAsync(manager, new PortalUser(), sample)).Succeeded;
                Assert.True(server == browser.IsMatch(sample), $"'{sample}' with length {options.Password.RequiredLength}: server {server}, browser pattern {rules.Pattern}");
            }
            Assert.Equal(options.Password.RequiredLength, rules.MinimumLength);
            Assert.Equal(1 + new[] { options.Password.RequireUppercase, options.Password.RequireLowercase, options.Password.RequireDigit, options.Password.RequireNonAlphanumeric }.Count(r => r),
                rules.Describe().Count);
        }
    }

    [Theory]
    [InlineData("en", "A password needs:", "at least 10 characters", "an upper-case letter (A–Z)", "a digit (0–9)")]
    [InlineData("zh-CN", "密码须满足：", "至少 10 个字符", "一个大写字母（A–Z）", "一个数字（0–9）")]
    public async Task The_change_password_page_lists_the_rules_before_anything_is_typed(string language, params string[] expected)
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("grace");
        using var browser = factory.CreateBrowser();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        using (await PortalWebFactory.SignInAsync(browser, "grace", "Us3r-Passw0rd!"))
        {
        }
        using var page = await browser.GetAsync(new Uri("/Identity/Account/Manage/ChangePassword", UriKind.Relative));
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        foreach (var rule in expected)
        {
            Assert.Contains(rule, html, StringComparison.Ordinal);
        }
        var rules = factory.Services.CreateScope().ServiceProvider.GetRequiredService<PasswordRules>();
        Assert.Contains($"pattern=\"{rules.Pattern}\"", html, StringComparison.Ordinal);
        Assert.Contains("minlength=\"10\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("at least 6", html, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The validator reads its options from the manager it is given: one with other options, same store.</summary>
    private sealed class OptionsUserManager(UserManager<PortalUser> users, IdentityOptions options)
        : UserManager<PortalUser>(new NoStore(), Microsoft.Extensions.Options.Options.Create(options), users.PasswordHasher, [], [], users.KeyNormalizer, users.ErrorDescriber, null!, null!)
    {
        private sealed class NoStore : IUserStore<PortalUser>
        {
            public void Dispose() { }
            public Task<string> GetUserIdAsync(PortalUser user, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<string?> GetUserNameAsync(PortalUser user, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task SetUserNameAsync(PortalUser user, string? userName, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<string?> GetNormalizedUserNameAsync(PortalUser user, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task SetNormalizedUserNameAsync(PortalUser user, string? normalizedName, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<IdentityResult> CreateAsync(PortalUser user, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<IdentityResult> UpdateAsync(PortalUser user, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<IdentityResult> DeleteAsync(PortalUser user, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<PortalUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) => throw new NotSupportedException();
            public Task<PortalUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) => throw new NotSupportedException();
        }
    }
}
