using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Components.Shared;

/// <summary>
/// An instance's stored status reason (a resource key such as "HostInfo.BadCheckCode") as the sentence the viewer reads,
/// with its values filled in: never the key, never a bare "{0}".
/// </summary>
public static class StatusReasons
{
    /// <summary>The sentence for <paramref name="row"/>'s reason, or null when it has none.</summary>
    /// <param name="coolDown"><c>Licensing:DownloadCoolDown</c>: how long downloads stay paused after too many.</param>
    public static string? Text(IStringLocalizer<SharedResource> text, InstanceRow row, TimeSpan coolDown)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(row);
        var code = row.StatusReason;
        if (string.IsNullOrEmpty(code))
        {
            return null;
        }
        var sentence = code == InstanceLifecycle.TooManyDownloads && row.Status == InstanceStatus.DOWNLOADERROR
            ? text[code, Dates.Time(InstanceLifecycle.RetryAt(new InstanceState(row.Status, code, row.StatusChangedAt, row.ExpiresOn, HasHost: true), coolDown))]
            : text[code];
        // A reason stored by a newer or older version without a sentence here: the general one, not the key.
        return sentence.ResourceNotFound ? text["Status.ReasonUnknown"] : sentence.Value;
    }
}
