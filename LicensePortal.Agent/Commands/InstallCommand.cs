using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>
/// <c>install --license FILE</c>: verifies the license against the compiled-in vendor root and the high-water mark, and
/// only then replaces the installed license atomically and raises the mark. A bad file never replaces a good one.
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
        var command = new Command("install", "Verify a license file and install it atomically in the state directory. Exit 0 if installed; 3, 5, 6 or 7 if rejected (the installed license stays).")
        {
            stateDir, license,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var text = AgentState.ReadText(parse.GetRequiredValue(license));
            VerifyAndInstall(context, state, text);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Verifies a license (root, host, clock, revision) and only then installs it atomically and raises the high-water mark.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <param name="state">The state directory.</param>
    /// <param name="text">The license text.</param>
    /// <exception cref="AgentException">The license was rejected; nothing changed.</exception>
    public static void VerifyAndInstall(AgentContext context, AgentState state, string text)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(state);
        var root = TrustAnchor.Require(context.Environment);
        var hostKey = state.LoadHostKey();
        var identity = CommonOptions.ReadIdentity(context.Environment);
        var highWater = state.ReadHighWater();
        var now = context.Environment.Time.GetUtcNow();
        var result = LicenseVerifier.Verify(text, hostKey, root, identity, now, highWater);
        if (!result.IsValid || result.Content is null)
        {
            var unchanged = UserLanguage.IsChinese()
                ? " 已安装的 License 未被更改。"
                : " The installed license was not changed.";
            throw new AgentException(RejectionExitCodes.For(result.Code), LicenseOutput.Rejection(result) + unchanged);
        }

        state.InstallLicense(text, highWater.Raise(result.Content, now));
        var c = result.Content;
        context.Out.WriteLine($"Installed license revision {c.Revision} for instance '{c.InstanceName}', valid through {c.ExpiresOn:yyyy-MM-dd}, in {state.LicensePath}");
    }
}
