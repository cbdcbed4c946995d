using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>
/// <c>install --license FILE [--vendor-key FILE]</c>: verifies the license (also that it is not older than the
/// installed one) and only then replaces the installed license atomically. A bad file never replaces a good one.
/// </summary>
public static class InstallCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The command.</returns>
    public static Command Create(AgentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stateDir = CommonOptions.StateDir();
        var license = CommonOptions.License();
        var vendorKey = CommonOptions.VendorKey();
        var mac = CommonOptions.Mac();
        var serial = CommonOptions.Serial();
        var command = new Command("install", "Verify a license file and install it atomically in the state directory. Exit 0 if installed, 3 if rejected (the installed license stays).")
        {
            stateDir, license, vendorKey, mac, serial,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var hostKey = state.LoadHostKey();
            var trusted = state.TrustedVendorKeys(parse.GetValue(vendorKey), context.Err);
            var identity = CommonOptions.ResolveIdentity(parse.GetValue(mac), parse.GetValue(serial), context.Environment);
            var text = AgentState.ReadText(parse.GetRequiredValue(license));
            VerifyAndInstall(context, state, hostKey, trusted, identity, text);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Verifies a license (also that it is not older than the installed one) and only then installs it atomically.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <param name="state">The state directory.</param>
    /// <param name="hostKey">This host's key.</param>
    /// <param name="trusted">Trusted vendor keys.</param>
    /// <param name="identity">This host's MAC and serial.</param>
    /// <param name="text">The license text.</param>
    /// <exception cref="AgentException">The license was rejected; nothing changed.</exception>
    public static void VerifyAndInstall(AgentContext context, AgentState state, HostKey hostKey, IReadOnlyCollection<VendorPublicKey> trusted, HostIdentity identity, string text)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(state);
        var now = context.Environment.Time.GetUtcNow();

        // The installed license counts if its signature still verifies here, even if it has expired.
        LicenseContent? installed = null;
        var installedText = state.ReadInstalledLicense();
        if (installedText is not null)
        {
            installed = LicenseVerifier.Verify(installedText, hostKey, trusted, identity, now).Content;
        }

        var result = LicenseVerifier.Verify(text, hostKey, trusted, identity, now, installed);
        if (!result.IsValid || result.Content is null)
        {
            throw new AgentException(ExitCodes.LicenseRejected, LicenseOutput.Rejection(result) + " The installed license was not changed.");
        }

        state.InstallLicense(text);
        var c = result.Content;
        context.Out.WriteLine($"Installed license revision {c.Revision} for instance '{c.InstanceName}', valid through {c.ExpiresOn:yyyy-MM-dd}, in {state.LicensePath}");
    }
}
