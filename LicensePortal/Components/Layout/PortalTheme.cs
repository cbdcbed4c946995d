using MudBlazor;

namespace LicensePortal.Components.Layout;

/// <summary>The portal's brand colours; the same values are in wwwroot-assets/portal.css for the sign-in pages.</summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        // Every colour that carries text (white on a filled chip or button, itself on a white or grey page) has a
        // contrast of at least 4.5:1 (WCAG AA, axe's color-contrast): MudBlazor's defaults are 2.0-3.7:1 for success,
        // warning, error and info, and 4.45:1 for secondary text on the portal's grey background.
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e79",
            Secondary = "#237a47",
            AppbarBackground = "#1f4e79",
            Success = "#2e7d32",
            Warning = "#a85d00",
            Error = "#c62828",
            Info = "#1565c0",
            TextSecondary = "rgba(0,0,0,0.62)",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px" },
    };
}
