using MudBlazor;

namespace LicensePortal.Components.Layout;

/// <summary>The portal's brand colours; the same values are in wwwroot-assets/portal.css for the sign-in pages.</summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e79",
            Secondary = "#2e8b57",
            AppbarBackground = "#1f4e79",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px" },
    };
}
