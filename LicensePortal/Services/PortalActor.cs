using System.Security.Claims;
using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>Who is asking: every service call that reads or changes data takes one and applies its rules.</summary>
public sealed record PortalActor(string UserId, string UserName, string Role)
{
    /// <summary>The client's IP address when the actor came from an HTTP request or a page; recorded in the audit trail.</summary>
    public string? RemoteAddress { get; init; }

    /// <summary>
    /// The portal itself, for changes made by its rules rather than by a person (expiry, the end of a cool-down). Its
    /// name has characters no account name may have, so no account can pass for it in the audit trail; it has no address.
    /// </summary>
    public static PortalActor System { get; } = new("", "(system)", "");

    public bool IsAdministrator => Role == PortalRole.Administrator;

    /// <summary>Administrators and support staff see every instance and account.</summary>
    public bool SeesEverything => Role is PortalRole.Administrator or PortalRole.Support;

    /// <summary>Reads the actor from a signed-in principal; null when anonymous.</summary>
    public static PortalActor? From(ClaimsPrincipal principal, string? remoteAddress = null)
    {
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (principal.Identity?.IsAuthenticated != true || string.IsNullOrEmpty(id))
        {
            return null;
        }
        var role = PortalRole.Effective(new[] { PortalRole.Administrator, PortalRole.Support }.Where(principal.IsInRole));
        return new PortalActor(id, principal.Identity.Name ?? "", role) { RemoteAddress = string.IsNullOrEmpty(remoteAddress) ? null : remoteAddress };
    }
}
