using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LicensePortal.Components.Layout;

/// <summary>The layout's MudBlazor icons as whole SVG markup: one render-tree frame each, no icon component.</summary>
internal static class LayoutIcons
{
    public static readonly MarkupString Menu = IconButtonSvg(Icons.Material.Filled.Menu);
    public static readonly MarkupString Account = IconButtonSvg(Icons.Material.Filled.AccountCircle);
    public static readonly MarkupString Translate = IconButtonSvg(Icons.Material.Filled.Translate);

    public static readonly MarkupString Home = NavIcon(Icons.Material.Filled.Home);
    public static readonly MarkupString Instances = NavIcon(Icons.Material.Filled.Dns);
    public static readonly MarkupString Tokens = NavIcon(Icons.Material.Filled.VpnKey);
    public static readonly MarkupString Support = NavIcon(Icons.Material.Filled.SupportAgent);
    public static readonly MarkupString Users = NavIcon(Icons.Material.Filled.People);
    public static readonly MarkupString Audit = NavIcon(Icons.Material.Filled.History);
    public static readonly MarkupString VendorKeys = NavIcon(Icons.Material.Filled.Key);
    public static readonly MarkupString Webhooks = NavIcon(Icons.Material.Filled.Webhook);

    /// <summary>An icon as MudIcon draws it inside an icon button.</summary>
    private static MarkupString IconButtonSvg(string icon) =>
        new($"<span class=\"mud-icon-button-label\">{Svg("mud-icon-root mud-svg-icon mud-icon-size-medium", icon)}</span>");

    /// <summary>An icon as MudNavLink draws it.</summary>
    private static MarkupString NavIcon(string icon) =>
        new(Svg("mud-icon-root mud-icon-default mud-svg-icon mud-icon-size-medium mud-nav-link-icon mud-nav-link-icon-default", icon));

    private static string Svg(string classes, string icon) =>
        $"<svg class=\"{classes}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{icon}</svg>";
}
