using System.Net;
using System.Text.RegularExpressions;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// Pages, Identity pages, the API reference, API answers (success and problem), files, redirects and error pages all carry
/// the Content-Security-Policy, nosniff and Referrer-Policy; the nonce is new for every answer and is the one on the page.
/// </summary>
public sealed partial class EveryAnswerCarriesTheSecurityHeaders
{
    [Fact]
    public async Task Every_kind_of_answer_carries_the_policy_nosniff_and_the_referrer_policy()
    {
        await using var factory = new PortalWebFactory();
        var anonymous = factory.CreateBrowser();
        var admin = factory.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalWebFactory.SignInAsync(admin, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword)).StatusCode);

        var answers = new List<(string What, HttpResponseMessage Response)>
        {
            ("sign-in page", await anonymous.GetAsync(new Uri("/Identity/Account/Login", UriKind.Relative))),
            ("redirect to sign-in", await anonymous.GetAsync(new Uri("/instances", UriKind.Relative))),
            ("API reference", await anonymous.GetAsync(new Uri("/api/docs/", UriKind.Relative))),
            ("OpenAPI document", await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative))),
            ("API 401", await anonymous.GetAsync(new Uri("/api/v1/instances", UriKind.Relative))),
            ("API 400", await anonymous.PostAsync(new Uri("/api/v1/tokens", UriKind.Relative), new StringContent("{", System.Text.Encoding.UTF8, "application/json"))),
            ("health", await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative))),
            ("portal file", await anonymous.GetAsync(new Uri("/assets/portal.css", UriKind.Relative))),
            ("Blazor page", await admin.GetAsync(new Uri("/instances", UriKind.Relative))),
            ("Identity manage page", await admin.GetAsync(new Uri("/Identity/Account/Manage/ChangePassword", UriKind.Relative))),
            ("API 200", await admin.GetAsync(new Uri("/api/v1/instances", UriKind.Relative))),
            ("not found page", await admin.GetAsync(new Uri("/no-such-page", UriKind.Relative))),
            ("blocked Identity page", await admin.GetAsync(new Uri("/Identity/Account/Register", UriKind.Relative))),
        };

        var nonces = new List<string>();
        foreach (var (what, response) in answers)
        {
            var policy = string.Join(",", response.Headers.TryGetValues("Content-Security-Policy", out var values) ? values : []);
            Assert.True(policy.Length > 0, $"{what} ({(int)response.StatusCode}) has no Content-Security-Policy");
            foreach (var directive in new[] { "default-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "connect-src 'self'", "font-src 'self'", "object-src 'none'" })
            {
                Assert.True(policy.Contains(directive, StringComparison.Ordinal), $"{what}: no {directive} in {policy}");
            }
            var scripts = Directive(policy, "script-src");
            Assert.DoesNotContain("unsafe", scripts, StringComparison.Ordinal);
            Assert.DoesNotContain("http", policy, StringComparison.Ordinal);
            nonces.Add(Nonce().Match(scripts).Groups[1].Value);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }
        Assert.Equal(nonces.Count, nonces.Distinct().Count());
        Assert.All(nonces, n => Assert.True(n.Length >= 24, "a nonce of at least 18 random bytes"));
        // Only characters that HTML never encodes, so the page's attribute reads exactly as the header (a '+' would not).
        Assert.All(nonces, n => Assert.Matches("^[A-Za-z0-9_-]+$", n));

        // The page's inline import map carries this answer's nonce; the MudBlazor theme's style element is allowed by hash.
        var page = answers.Single(a => a.What == "Blazor page").Response;
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var pageNonce = nonces[answers.FindIndex(a => a.What == "Blazor page")];
        var importMap = ImportMap().Match(html);
        Assert.True(importMap.Success, "the page has an import map");
        Assert.Contains($"nonce=\"{pageNonce}\"", importMap.Value, StringComparison.Ordinal);
        var styleElements = Directive(string.Join(",", page.Headers.GetValues("Content-Security-Policy")), "style-src-elem");
        Assert.DoesNotContain("unsafe-inline", styleElements, StringComparison.Ordinal);
        Assert.Contains("'sha256-", styleElements, StringComparison.Ordinal);
    }

    private static string Directive(string policy, string name) =>
        policy.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith(name + " ", StringComparison.Ordinal));

    [GeneratedRegex("<script[^>]*type=\"importmap\"[^>]*>")]
    private static partial Regex ImportMap();

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex Nonce();
}
