using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.JSInterop;

namespace LicensePortal.Components.Layout;

/// <summary>
/// The portal's frame: app bar with the language and account menus, the drawer with the links the signed-in role may
/// use, and the page. One component: each component is held on the server for as long as a page is open.
/// </summary>
public sealed partial class MainLayout : IDisposable
{
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IAuthorizationService Authorization { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>Whether the drawer is open; null until the browser said whether the screen is at least md wide (then: open there, closed below).</summary>
    private bool? _drawerOpen;

    /// <summary>The screen is at least MudBlazor's md breakpoint (960 px) wide: the drawer sits beside the page instead of over it.</summary>
    private bool _wide = true;

    /// <summary>The signed-in user's name; null when nobody is signed in.</summary>
    private string? _userName;
    private bool _staff;
    private bool _administrator;

    protected override void OnInitialized() => Navigation.LocationChanged += LocationChanged;

    protected override async Task OnParametersSetAsync()
    {
        // Runs again whenever the cascaded authentication state changes. The links follow the portal's policies, as the
        // AuthorizeViews did.
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        var signedIn = user?.Identity?.IsAuthenticated == true;
        _userName = signedIn ? user!.Identity!.Name ?? "" : null;
        _staff = signedIn && (await Authorization.AuthorizeAsync(user!, PortalSetup.StaffPolicy)).Succeeded;
        _administrator = signedIn && (await Authorization.AuthorizeAsync(user!, PortalSetup.AdministratorsPolicy)).Succeeded;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            // One question per circuit (the layout stays while pages change): MudDrawer asks the same through its viewport service.
            _wide = await JS.InvokeAsync<bool>("licensePortal.isWide");
            _drawerOpen = _wide;
            StateHasChanged();
        }
    }

    public void Dispose() => Navigation.LocationChanged -= LocationChanged;

    private void ToggleDrawer() => _drawerOpen = _drawerOpen == false;

    private void CloseDrawer() => _drawerOpen = false;

    // The highlighted link follows the address; a temporary drawer closes once a link was followed, as MudDrawer's does.
    private void LocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(() =>
    {
        if (!_wide && _drawerOpen == true)
        {
            _drawerOpen = false;
        }
        StateHasChanged();
    });

    private bool IsActive(string href, bool exact)
    {
        var path = Navigation.ToBaseRelativePath(Navigation.Uri);
        var end = path.IndexOfAny(['?', '#']);
        path = end < 0 ? path : path[..end];
        return string.Equals(path, href, StringComparison.OrdinalIgnoreCase)
            || !exact && path.StartsWith(href + "/", StringComparison.OrdinalIgnoreCase);
    }

    private void SwitchToChinese() => SwitchCulture("zh-Hans");

    private void SwitchToEnglish() => SwitchCulture("en");

    private void SwitchCulture(string culture)
    {
        var back = "/" + Navigation.ToBaseRelativePath(Navigation.Uri);
        // The culture lives in a cookie set on a normal request; the circuit takes it when the page reloads.
        Navigation.NavigateTo($"culture/set?culture={Uri.EscapeDataString(culture)}&redirectUri={Uri.EscapeDataString(back)}", forceLoad: true);
    }
}
