using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>Options shared by several commands, and how host identity is resolved from them.</summary>
internal static class CommonOptions
{
    public static Option<string> StateDir() => new("--state-dir")
    {
        Description = "State directory for the host key, the installed license and its high-water mark (mode 0700).",
        DefaultValueFactory = _ => AgentApp.DefaultStateDir,
    };

    public static Option<string> License() => new("--license")
    {
        Description = "License file.",
        Required = true,
    };

    /// <summary>Reads this machine's identity: every command reads it itself; nothing on the command line replaces it.</summary>
    public static HostIdentity ReadIdentity(AgentEnvironment environment) => new HostIdentityReader(environment.SystemRoot).ReadIdentity();
}
