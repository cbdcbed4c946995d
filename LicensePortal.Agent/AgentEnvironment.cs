using LicensePortal.Licensing;

namespace LicensePortal.Agent;

/// <summary>
/// What the agent reads from the machine. In a Release build it is always the real machine: the system root "/", the
/// system clock, the default HTTP handler and the trust anchor compiled in. The settable properties are the test seam and
/// exist only in builds with AGENT_TEST_SEAMS (Debug), so nothing a host's owner controls can change them.
/// </summary>
public sealed class AgentEnvironment
{
#if AGENT_TEST_SEAMS
    /// <summary>Root of the file system to read /proc, /sys and /etc/machine-id from ("/" normally; a fake tree in tests).</summary>
    public string SystemRoot { get; init; } = "/";

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The HTTP handler for online commands (activate, renew); null uses the default one.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>How the agent waits between retries; tests replace it so nothing sleeps.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = (delay, token) => Task.Delay(delay, token);

    /// <summary>The vendor root to trust instead of the compiled-in one (tests use a committed test root).</summary>
    public VendorRootPublicKey? VendorRoot { get; init; }
#else
#pragma warning disable CA1822 // Instance members on purpose: the same call sites compile in both builds.
    /// <summary>Root of the file system: always "/".</summary>
    public string SystemRoot => "/";

    /// <summary>The system clock.</summary>
    public TimeProvider Time => TimeProvider.System;

    /// <summary>Always null: the default HTTP handler.</summary>
    public HttpMessageHandler? HttpHandler => null;

    /// <summary>Waits for real.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay => (delay, token) => Task.Delay(delay, token);

    /// <summary>Always null: only the compiled-in root is trusted.</summary>
    public VendorRootPublicKey? VendorRoot => null;
#pragma warning restore CA1822
#endif

    /// <summary>The real machine.</summary>
    public static AgentEnvironment Default { get; } = new();
}
