using LicensePortal.Licensing;

namespace LicensePortal.Agent;

/// <summary>
/// The vendor root public key this agent trusts, compiled into the executable as an embedded resource by
/// <c>dotnet publish -p:VendorRootPublicKeyFile=PATH</c>. Nothing read at run time (option, environment variable, file in
/// the state directory, server answer) adds or replaces it.
/// </summary>
public static class TrustAnchor
{
    /// <summary>The manifest resource name the build gives the root public key file.</summary>
    public const string ResourceName = "LicensePortal.Agent.VendorRoot.pub";

    /// <summary>The build property that names the root public key file.</summary>
    public const string BuildProperty = "VendorRootPublicKeyFile";

    private static readonly Lazy<VendorRootPublicKey?> CompiledRoot = new(Load);

    /// <summary>The compiled-in root, or null for an agent built without one.</summary>
    public static VendorRootPublicKey? Compiled => CompiledRoot.Value;

    /// <summary>The root to verify licenses with.</summary>
    /// <param name="environment">The machine (a test build may carry a test root).</param>
    /// <returns>The trusted root.</returns>
    /// <exception cref="AgentException">This agent was built without a root.</exception>
    public static VendorRootPublicKey Require(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.VendorRoot ?? Compiled ?? throw new AgentException(ExitCodes.NotSetUp,
            $"This agent was built without a vendor root key, so it cannot verify licenses. Build it with " +
            $"'dotnet publish LicensePortal.Agent -c Release -r linux-x64 -p:{BuildProperty}=PATH' (PATH: the vendor-root.pub your portal serves at /vendor-root.pub).");
    }

    private static VendorRootPublicKey? Load()
    {
        using var stream = typeof(TrustAnchor).Assembly.GetManifestResourceStream(ResourceName);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        try
        {
            return VendorRootPublicKey.Import(reader.ReadToEnd());
        }
        catch (KeyFileException ex)
        {
            throw new AgentException(ExitCodes.Environment, $"The vendor root key built into this agent is not a vendor root public key ({ex.Code}): {ex.Message}");
        }
    }
}
