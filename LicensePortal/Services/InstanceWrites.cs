namespace LicensePortal.Services;

/// <summary>What every optimistic write of an instance (guarded by <c>Instance.Version</c>) shares.</summary>
internal static class InstanceWrites
{
    /// <summary>Each round of a race on one instance lets exactly one writer through, so N simultaneous requests need up to N-1 retries.</summary>
    public const int ConcurrencyRetries = 50;
}
