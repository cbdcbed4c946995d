namespace LicensePortal.Agent;

/// <summary>Process exit codes of licenseportal-agent (also listed in --help).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line (unknown option, missing value, invalid value).</summary>
    public const int Usage = 1;

    /// <summary>The host could not be read or written: no DMI data, permission denied, unreadable file.</summary>
    public const int Environment = 2;

    /// <summary>The license file was rejected; the reason code is printed.</summary>
    public const int LicenseRejected = 3;

    /// <summary>Not set up yet: no host key, no installed license, or an agent built without a vendor root key.</summary>
    public const int NotSetUp = 4;

    /// <summary>The license is older than the highest revision ever installed here (a file copied back).</summary>
    public const int RolledBack = 5;

    /// <summary>The clock is more than 24 hours behind the latest time this host has trusted (set back).</summary>
    public const int ClockWoundBack = 6;

    /// <summary>The license was issued more than 5 minutes after the current time (the clock is behind, or was set back).</summary>
    public const int IssuedInFuture = 7;

    /// <summary>
    /// The license is for this host key, but too few of the hardware identifiers it records are still here: the host key
    /// was copied to another machine, or more hardware changed than the license tolerates.
    /// </summary>
    public const int HardwareChanged = 8;

    /// <summary>activate: the instance is bound to another host; this host's info waits for an administrator's approval (then renew).</summary>
    public const int PendingApproval = 9;

    /// <summary>check: the installed license has expired.</summary>
    public const int Expired = 10;

    /// <summary>check: base of the quota codes; the exit code is 64 plus the sum of the exceeded quota bits.</summary>
    public const int QuotaBase = 64;

    /// <summary>The help text describing every exit code.</summary>
    public const string HelpText =
        "Exit codes: 0 ok; 1 usage error; 2 host or file error (no DMI data, permission denied: run as root); " +
        "3 license rejected (reason printed); 4 not set up (no host key, no installed license, agent built without a vendor root); " +
        "5 license older than one already installed (rolled back); 6 clock set back; 7 license issued in the future; " +
        "8 the license's hardware identifiers no longer match this host (host key copied, or too much hardware changed); " +
        "9 activate: the instance is bound to another host, this one waits for an administrator's approval (then renew); " +
        "10 license expired (check); 64 + sum of exceeded quotas (check): 1 desktops, 2 images, 4 users, 8 vcpus, 16 vmem, 32 vdisk " +
        "(e.g. 65 = desktops, 80 = vmem, 72 = vcpus).";
}

/// <summary>Which exit code a license rejection ends a command with.</summary>
public static class RejectionExitCodes
{
    /// <summary>The exit code for a rejected license: the rollback and clock rejections have their own, the rest 3.</summary>
    /// <param name="code">The verifier's reason code.</param>
    /// <returns>The exit code.</returns>
    public static int For(LicensePortal.Licensing.LicenseErrorCode code) => code switch
    {
        LicensePortal.Licensing.LicenseErrorCode.OlderThanInstalled => ExitCodes.RolledBack,
        LicensePortal.Licensing.LicenseErrorCode.ClockWoundBack => ExitCodes.ClockWoundBack,
        LicensePortal.Licensing.LicenseErrorCode.IssuedInFuture => ExitCodes.IssuedInFuture,
        LicensePortal.Licensing.LicenseErrorCode.HostMismatch => ExitCodes.HardwareChanged,
        _ => ExitCodes.LicenseRejected,
    };
}

/// <summary>An error that ends a command with a message and an exit code.</summary>
public sealed class AgentException : Exception
{
    /// <summary>Creates an environment error.</summary>
    public AgentException() : this(ExitCodes.Environment, "agent error") { }

    /// <summary>Creates an environment error with a message.</summary>
    /// <param name="message">Message for stderr.</param>
    public AgentException(string message) : this(ExitCodes.Environment, message) { }

    /// <summary>Creates an environment error with a message and cause.</summary>
    /// <param name="message">Message for stderr.</param>
    /// <param name="innerException">The cause.</param>
    public AgentException(string message, Exception innerException) : base(message, innerException) => ExitCode = ExitCodes.Environment;

    /// <summary>Creates an error with an exit code.</summary>
    /// <param name="exitCode">Process exit code.</param>
    /// <param name="message">Message for stderr.</param>
    public AgentException(int exitCode, string message) : base(message) => ExitCode = exitCode;

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }
}
