using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Components.Pages.Tokens;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>The /tokens page and the instance page's activation tokens: the secret shown once, listed without it, revocable.</summary>
public sealed class TokenPagesTests : PortalComponentTest
{
    [Fact]
    public async Task A_user_creates_a_token_sees_it_once_and_revokes_it()
    {
        var carol = await Portal.CreateUserAsync("carol");
        Services.AddSingleton(Portal.Get<ApiTokenService>());
        SignInAs(carol);
        RenderProviders();
        var page = Render<TokensPage>();

        page.Find("#token-name input, input#token-name").Change("laptop");
        page.Find("#create-token").Click();

        var secret = page.WaitForElement("#new-token-secret").TextContent.Trim();
        Assert.StartsWith("lpat_", secret, StringComparison.Ordinal);
        Assert.NotNull(await Services.GetRequiredService<ApiTokenService>().ValidateAsync(secret));
        page.WaitForAssertion(() => Assert.Single(page.FindAll(".token-row")));
        Assert.DoesNotContain(secret, page.Find(".token-list").TextContent, StringComparison.Ordinal);

        page.Find(".token-revoke").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".token-revoke")));
        Assert.Null(await Services.GetRequiredService<ApiTokenService>().ValidateAsync(secret));
        Assert.NotNull((await Services.GetRequiredService<ApiTokenService>().ListPersonalAsync(carol)).Single().RevokedAt);
    }

    [Fact]
    public async Task The_owner_creates_an_activation_token_on_the_instance_page()
    {
        var carol = await Portal.CreateUserAsync("carol");
        await Portal.CreateInstanceAsync("edge-01", carol);
        Services.AddSingleton(Portal.Get<ApiTokenService>());
        Services.AddSingleton(Portal.Get<ActivationTokenService>());
        SignInAs(carol);
        RenderProviders();
        var section = Render<ActivationTokens>(p => p.Add(c => c.InstanceName, "edge-01").Add(c => c.CanManage, true));

        section.Find("#create-activation-token").Click();

        var secret = section.WaitForElement("#new-activation-token-secret").TextContent.Trim();
        Assert.Equal("EDGE-01", (await Services.GetRequiredService<ApiTokenService>().ValidateAsync(secret))!.ActivationInstance);
        section.WaitForAssertion(() => Assert.Single(section.FindAll(".token-row")));
    }
}
