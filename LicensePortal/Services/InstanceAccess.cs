using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>
/// Who may see and who may change an instance: the one place these rules are written. Every read of instances goes
/// through <see cref="VisibleTo"/>, every single check through <see cref="MaySee(PortalActor, string)"/> or
/// <see cref="MayChange"/>, and the live notifier filters changes with the same <see cref="MaySee(PortalActor, string)"/>.
/// </summary>
public static class InstanceAccess
{
    /// <summary>Administrators and support staff see every instance; a customer sees only their own.</summary>
    public static bool MaySee(PortalActor viewer, string ownerId)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        return viewer.SeesEverything || string.Equals(ownerId, viewer.UserId, StringComparison.Ordinal);
    }

    /// <inheritdoc cref="MaySee(PortalActor, string)"/>
    public static bool MaySee(PortalActor viewer, Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return MaySee(viewer, instance.OwnerId);
    }

    /// <summary>
    /// Administrators and the instance's owner change it (host info, licenses, activation tokens); support staff only
    /// look. Quotas, expiry, creation and deletion are the administrators' alone (<see cref="PortalActor.IsAdministrator"/>).
    /// </summary>
    public static bool MayChange(PortalActor actor, string ownerId)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.IsAdministrator || string.Equals(ownerId, actor.UserId, StringComparison.Ordinal);
    }

    /// <summary>
    /// The actor is vendor staff to this instance: an administrator or support staff member who is not its owner. Their
    /// license downloads are the vendor's reads (not counted, no state change), and the customer sees them only as
    /// "vendor staff". An administrator's own instance is theirs as a customer's is.
    /// </summary>
    public static bool IsVendorStaff(PortalActor actor, string ownerId)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.SeesEverything && !string.Equals(ownerId, actor.UserId, StringComparison.Ordinal);
    }

    /// <summary>The instances <paramref name="viewer"/> may see, as a query the database filters (the owner index).</summary>
    public static IQueryable<Instance> VisibleTo(this IQueryable<Instance> instances, PortalActor viewer)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        return viewer.SeesEverything ? instances : instances.Where(i => i.OwnerId == viewer.UserId);
    }

    /// <summary>Viewers with the same key see the same instances, so a list read for one serves them all.</summary>
    public static string AudienceKey(PortalActor viewer)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        return viewer.SeesEverything ? "*" : "user:" + viewer.UserId;
    }
}
