using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>How accounts are read for the users grid and the owner pickers: the search, the sort and the <see cref="UserRow"/> columns.</summary>
internal static class UserRows
{
    /// <summary>Accounts whose user name, e-mail or organization starts with <paramref name="search"/>; all of them when it is blank.</summary>
    public static IQueryable<PortalUser> Matching(IQueryable<PortalUser> users, string? search)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            return users;
        }
        var term = search.Trim();
        var upper = term.ToUpperInvariant();
        var upperEnd = upper + '\uffff';
        var end = term + '\uffff';
#pragma warning disable CA1309 // EF Core translates string.Compare to SQL comparison operators (index-friendly); ordinal overloads do not translate.
        return users.Where(u =>
            (string.Compare(u.NormalizedUserName, upper) >= 0 && string.Compare(u.NormalizedUserName, upperEnd) < 0)
            || (string.Compare(u.NormalizedEmail, upper) >= 0 && string.Compare(u.NormalizedEmail, upperEnd) < 0)
            || (string.Compare(u.Organization, term) >= 0 && string.Compare(u.Organization, end) < 0));
#pragma warning restore CA1309
    }

    public static IQueryable<PortalUser> Ordered(IQueryable<PortalUser> users, UserSort sortBy, bool descending) => (sortBy, descending) switch
    {
        (UserSort.Email, false) => users.OrderBy(u => u.NormalizedEmail),
        (UserSort.Email, true) => users.OrderByDescending(u => u.NormalizedEmail),
        (UserSort.Organization, false) => users.OrderBy(u => u.Organization).ThenBy(u => u.NormalizedUserName),
        (UserSort.Organization, true) => users.OrderByDescending(u => u.Organization).ThenByDescending(u => u.NormalizedUserName),
        (UserSort.CreatedAt, false) => users.OrderBy(u => u.CreatedAt),
        (UserSort.CreatedAt, true) => users.OrderByDescending(u => u.CreatedAt),
        (_, true) => users.OrderByDescending(u => u.NormalizedUserName),
        _ => users.OrderBy(u => u.NormalizedUserName),
    };

    public static IQueryable<UserRow> Project(AppDbContext db, IQueryable<PortalUser> users) => users.Select(u => new UserRow(
        u.Id,
        u.UserName ?? "",
        u.Email ?? "",
        u.PhoneNumber ?? "",
        u.Organization,
        u.OsAuthUrl,
        db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name).OrderBy(n => n).FirstOrDefault() ?? PortalRole.User,
        u.IsActive,
        u.EmailConfirmed,
        u.MustChangePassword,
        u.Instances.Count,
        u.CreatedAt,
        u.UpdatedAt,
        u.ConcurrencyStamp ?? "")
    {
        Language = u.PreferredLanguage,
    });
}
