namespace LicensePortal.Data;

/// <summary>
/// One line of the audit trail: who did what to which record, when, from where, and the values before and after.
/// The portal only appends these rows; the database refuses updates and deletes (triggers, migration AuditAppendOnly).
/// Never holds passwords, token secrets or private keys.
/// </summary>
public sealed class AuditEntry
{
    public const int ActionMaxLength = 64;
    public const int TargetTypeMaxLength = 32;
    public const int TargetKeyMaxLength = 256;
    public const int UserNameMaxLength = 256;
    public const int AddressMaxLength = 64;

    public long Id { get; set; }

    /// <summary>UTC.</summary>
    public DateTime At { get; set; }

    public string ActorUserId { get; set; } = "";

    public string ActorUserName { get; set; } = "";

    public string RemoteAddress { get; set; } = "";

    /// <summary>A code such as "instance.update", "user.create", "hostinfo.upload", "license.download".</summary>
    public string Action { get; set; } = "";

    /// <summary>"instance", "user", "vendorkey", "token", "activationtoken".</summary>
    public string TargetType { get; set; } = "";

    /// <summary>The target's name or id.</summary>
    public string TargetKey { get; set; } = "";

    /// <summary>The relevant fields before the change, as JSON; null for a creation or an event.</summary>
    public string? Before { get; set; }

    /// <summary>The relevant fields after the change, as JSON; null for a deletion.</summary>
    public string? After { get; set; }
}
