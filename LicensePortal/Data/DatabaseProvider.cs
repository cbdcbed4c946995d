namespace LicensePortal.Data;

/// <summary>Which database the portal runs on (configuration key Database:Provider).</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
