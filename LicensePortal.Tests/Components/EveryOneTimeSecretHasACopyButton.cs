using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Components.Pages.Tokens;
using LicensePortal.Components.Pages.Users;
using LicensePortal.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LicensePortal.Tests.Components;

/// <summary>
/// Each secret the portal shows only once (a new API token, a new activation token, a generated initial password) has a
/// copy button labelled in the viewer's language that copies exactly that secret through the portal's copyText helper
/// and says so in a toast.
/// </summary>
public abstract class EveryOneTimeSecretHasACopyButtonBase(string culture, string label, string copied) : PortalComponentTest(culture)
{
    [Fact]
    public async Task A_new_API_token_has_a_copy_button_that_copies_it()
    {
        var customer = await Portal.CreateUserAsync("acme");
        Services.AddSingleton(Portal.Get<ApiTokenService>());
        var (copies, toasts) = Prepare(customer);
        var page = Render<TokensPage>();

        page.Find("#token-name input, input#token-name").Change("deploy script");
        page.Find("#create-token").Click();
        page.WaitForAssertion(() => Assert.NotEmpty(page.Find("#new-token-secret").TextContent));

        AssertCopies(page.Find("#copy-new-token"), page.Find("#new-token-secret").TextContent, copies, toasts);
    }

    [Fact]
    public async Task A_new_activation_token_has_a_copy_button_that_copies_it()
    {
        var customer = await Portal.CreateUserAsync("acme");
        await Portal.CreateInstanceAsync("acme-01", customer);
        Services.AddSingleton(Portal.Get<ActivationTokenService>());
        var (copies, toasts) = Prepare(customer);
        var panel = Render<ActivationTokens>(p => p.Add(x => x.InstanceName, "acme-01").Add(x => x.CanManage, true));

        panel.Find("#create-activation-token").Click();
        panel.WaitForAssertion(() => Assert.NotEmpty(panel.Find("#new-activation-token-secret").TextContent));

        AssertCopies(panel.Find("#copy-new-activation-token"), panel.Find("#new-activation-token-secret").TextContent, copies, toasts);
    }

    [Fact]
    public async Task A_generated_initial_password_has_a_copy_button_that_copies_it()
    {
        var (copies, toasts) = Prepare(await Portal.AdminAsync());
        var form = Render<UserForm>();

        form.Find("#field-username input, input#field-username").Input("newcomer");
        form.Find("#user-save").Click();
        form.WaitForAssertion(() => Assert.NotEmpty(form.Find("#initial-password").TextContent));

        AssertCopies(form.Find("#copy-initial-password"), form.Find("#initial-password").TextContent, copies, toasts);
    }

    private (JSRuntimeInvocationHandler Copies, IRenderedComponent<MudSnackbarProvider> Toasts) Prepare(PortalActor actor)
    {
        UseCulture();
        var copies = JSInterop.SetupVoid("licensePortal.copyText", _ => true);
        copies.SetVoidResult();
        SignInAs(actor);
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        return (copies, Render<MudSnackbarProvider>());
    }

    private void AssertCopies(AngleSharp.Dom.IElement button, string secret, JSRuntimeInvocationHandler copies, IRenderedComponent<MudSnackbarProvider> toasts)
    {
        Assert.Equal(label, button.GetAttribute("aria-label"));
        Assert.Empty(copies.Invocations);

        button.Click();

        Assert.Equal(secret, Assert.Single(copies.Invocations).Arguments[0]);
        toasts.WaitForAssertion(() => Assert.Contains(copied, toasts.Markup, StringComparison.Ordinal));
    }
}

public sealed class EveryOneTimeSecretHasACopyButton() : EveryOneTimeSecretHasACopyButtonBase("en", "Copy", "Copied");

public sealed class EveryOneTimeSecretHasACopyButtonInChinese() : EveryOneTimeSecretHasACopyButtonBase("zh-Hans", "复制", "已复制");
