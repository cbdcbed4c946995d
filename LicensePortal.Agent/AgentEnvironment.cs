namespace LicensePortal.Agent;

/// <summary>What the agent reads from the machine; tests replace it with a temp folder and a fake clock.</summary>
public sealed class AgentEnvironment
{
    /// <summary>Root of the file system to read /proc and /sys from ("/" normally; a fake tree in tests).</summary>
    public string SystemRoot { get; init; } = "/";

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The HTTP handler for online commands (activate, renew); null uses the default one. Tests inject their own.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>How the agent waits between retries; tests replace it so nothing sleeps.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = (delay, token) => Task.Delay(delay, token);

    /// <summary>The real machine.</summary>
    public static AgentEnvironment Default { get; } = new();
}
