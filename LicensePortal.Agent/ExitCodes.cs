namespace LicensePortal.Agent;

/// <summary>Process exit codes of licenseportal-agent (also listed in --help).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line (unknown option, missing value, invalid --mac/--serial).</summary>
    public const int Usage = 1;

    /// <summary>The host could not be read or written: no DMI data, permission denied, unreadable file.</summary>
    public const int Environment = 2;

    /// <summary>The license file was rejected; the reason code is printed.</summary>
    public const int LicenseRejected = 3;

    /// <summary>Not set up yet: no host key, no installed license or no trusted vendor key.</summary>
    public const int NotSetUp = 4;

    /// <summary>check: the installed license has expired.</summary>
    public const int Expired = 10;

    /// <summary>check: base of the quota codes; the exit code is 64 plus the sum of the exceeded quota bits.</summary>
    public const int QuotaBase = 64;

    /// <summary>The help text describing every exit code.</summary>
    public const string HelpText =
        "Exit codes: 0 ok; 1 usage error; 2 host or file error (no DMI data, permission denied: run as root); " +
        "3 license rejected (reason printed); 4 not set up (no host key, no installed license, no vendor key); " +
        "10 license expired (check); 64 + sum of exceeded quotas (check): 1 desktops, 2 images, 4 users, 8 vcpus, 16 vmem, 32 vdisk " +
        "(e.g. 65 = desktops, 80 = vmem, 72 = vcpus).";
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
