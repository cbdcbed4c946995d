using Microsoft.AspNetCore.Identity;

namespace LicensePortal.Data;

/// <summary>
/// The seed's User on ASP.NET Core Identity. UserName, Email, PhoneNumber and EmailConfirmed (the seed's "confirmed")
/// come from Identity; the seed's origin_password is deliberately absent: no plain password is ever stored.
/// </summary>
public sealed class PortalUser : IdentityUser
{
    public string Organization { get; set; } = "";

    /// <summary>The seed's os_auth_url: the customer's OpenStack identity endpoint, when they have one.</summary>
    public string OsAuthUrl { get; set; } = "";

    /// <summary>A deactivated user cannot sign in and loses open sessions.</summary>
    public bool IsActive { get; set; } = true;

    /// <summary>Set when an administrator generated the password; cleared when the user changes it.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>The language of the e-mail the portal sends this account ("zh-Hans" or "en"; see Email/MailCultures).</summary>
    public string PreferredLanguage { get; set; } = LicensePortal.Email.MailCultures.Default;

    /// <summary>The owner turned expiry reminders off for themselves (the staff address still gets them).</summary>
    public bool ExpiryRemindersOff { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<Instance> Instances { get; set; } = [];
}
