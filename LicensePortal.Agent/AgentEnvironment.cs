namespace LicensePortal.Agent;

/// <summary>What the agent reads from the machine; tests replace it with a temp folder and a fake clock.</summary>
public sealed class AgentEnvironment
{
    /// <summary>Root of the file system to read /proc and /sys from ("/" normally; a fake tree in tests).</summary>
    public string SystemRoot { get; init; } = "/";

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The real machine.</summary>
    public static AgentEnvironment Default { get; } = new();
}
