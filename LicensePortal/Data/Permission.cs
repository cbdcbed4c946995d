namespace LicensePortal.Data;

/// <summary>The seed's permission bits. USER and ADMINISTER keep the seed's values; SUPPORT is ours.</summary>
[Flags]
public enum Permission
{
    None = 0,
    /// <summary>Sees and uses their own instances (seed: USER = 0x02).</summary>
    User = 0x02,
    /// <summary>Sees every instance and account, changes nothing (support staff).</summary>
    Support = 0x04,
    /// <summary>Manages accounts and instances (seed: ADMINISTER = 0x80).</summary>
    Administer = 0x80,
}
