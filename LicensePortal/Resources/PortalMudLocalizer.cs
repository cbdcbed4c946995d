using Microsoft.Extensions.Localization;
using MudBlazor;

namespace LicensePortal.Resources;

/// <summary>
/// Gives MudBlazor's own texts (pager, date picker...) in Chinese from SharedResource.zh-Hans.resx ("Mud.&lt;key&gt;");
/// in English, and for any key not translated, MudBlazor's built-in English stands.
/// </summary>
public sealed class PortalMudLocalizer(IStringLocalizer<SharedResource> text) : MudLocalizer
{
    public override LocalizedString this[string key]
    {
        get
        {
            var translated = text["Mud." + key];
            return translated.ResourceNotFound ? new LocalizedString(key, key, resourceNotFound: true) : new LocalizedString(key, translated.Value);
        }
    }
}
