using Microsoft.AspNetCore.Identity;

namespace LicensePortal.Data;

/// <summary>The seed's Role: a name, a description and a permission bitmask, on Identity's role table.</summary>
public sealed class PortalRole : IdentityRole
{
    public const string Administrator = "Administrator";
    public const string Support = "Support";
    public const string User = "User";

    /// <summary>The three roles that exist after first run, with their permissions.</summary>
    public static readonly IReadOnlyList<(string Name, string Description, Permission Permissions)> BuiltIn =
    [
        (Administrator, "Manages accounts, instances and vendor keys", Permission.User | Permission.Support | Permission.Administer),
        (Support, "Sees every instance and account; changes nothing", Permission.User | Permission.Support),
        (User, "A customer: sees and uses their own instances", Permission.User),
    ];

    public PortalRole()
    {
    }

    public PortalRole(string name) : base(name)
    {
    }

    public string Description { get; set; } = "";

    public Permission Permissions { get; set; }
}
