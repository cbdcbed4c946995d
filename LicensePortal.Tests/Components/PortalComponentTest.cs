using System.Globalization;
using System.Security.Claims;
using Bunit;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace LicensePortal.Tests.Components;

/// <summary>
/// bUnit base: the portal's real services on a throwaway SQLite database, MudBlazor with no transitions, real
/// localization, and a signed-in actor. Components get the same singletons the portal registers.
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    private readonly CultureInfo _culture;

    protected PortalComponentTest(string culture = "en")
    {
        _culture = new CultureInfo(culture);
        UseCulture();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected PortalServices Portal { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Portal = await StartPortalAsync();
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddLocalization();
        Services.AddSingleton<TimeProvider>(Portal.Time);
        Services.AddSingleton(Portal.Get<InstanceService>());
        Services.AddSingleton(Portal.Get<UserAdminService>());
        Services.AddSingleton(Portal.Get<LicenseService>());
        Services.AddSingleton(Portal.Get<VendorKeyStore>());
        Services.AddSingleton(Portal.Get<InstanceChangeNotifier>());
        Services.AddSingleton(Portal.Get<LicensePortal.Accounts.PasswordRules>());
        Services.AddSingleton(Portal.Get<LicensePortal.Email.ExpiryReminderHistory>());
        Services.AddSingleton(Portal.Get<LicensePortal.Services.Webhooks.WebhookService>());
    }

    /// <summary>The portal's services the components get; a test class may start them with settings of its own.</summary>
    protected virtual Task<PortalServices> StartPortalAsync() => PortalServices.StartAsync();

    /// <summary>Sets this test's UI language on the current thread (xunit does not flow it from the constructor into every test).</summary>
    protected void UseCulture()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _culture;
    }

    /// <summary>Signs the component tree in as <paramref name="actor"/>.</summary>
    protected void SignInAs(PortalActor actor)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.UserName);
        auth.SetRoles(actor.Role);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, actor.UserId));
    }

    /// <summary>MudBlazor's popovers (selects, menus, dialogs) need their provider in the tree.</summary>
    protected void RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Portal.DisposeAsync();
        await StopMoreAsync();
    }

    /// <summary>Stops what <see cref="StartPortalAsync"/> started besides the services (a mail server), after them.</summary>
    protected virtual ValueTask StopMoreAsync() => ValueTask.CompletedTask;
}
