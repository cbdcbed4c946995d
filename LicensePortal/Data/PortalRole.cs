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

    /// <summary>
    /// A user's one role, read the one way every reader uses: the portal gives each account exactly one role; should the
    /// store ever hold several, the most privileged counts (Administrator, then Support, else User). SQL projections
    /// order role names and take the first, which is the same rule because the names sort in privilege order (a test
    /// keeps it so).
    /// </summary>
    public static string Effective(IEnumerable<string?> roleNames)
    {
        ArgumentNullException.ThrowIfNull(roleNames);
        var names = roleNames.ToHashSet(StringComparer.Ordinal);
        return names.Contains(Administrator) ? Administrator : names.Contains(Support) ? Support : User;
    }

    public PortalRole()
    {
    }

    public PortalRole(string name) : base(name)
    {
    }

    public string Description { get; set; } = "";

    public Permission Permissions { get; set; }
}
