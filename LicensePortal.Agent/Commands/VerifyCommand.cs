using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary><c>verify --license FILE [--json]</c>: checks a license file for this host; changes nothing.</summary>
public static class VerifyCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The command.</returns>
    public static Command Create(AgentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stateDir = CommonOptions.StateDir();
        var license = CommonOptions.License();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (camelCase fields)." };
        var command = new Command("verify", "Verify a license file for this host and print its values. Exit 0 if valid; 3, 5, 6 or 7 if rejected.")
        {
            stateDir, license, json,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var root = TrustAnchor.Require(context.Environment);
            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var hostKey = state.LoadHostKey();
            var identity = CommonOptions.ReadIdentity(context.Environment);
            var text = AgentState.ReadText(parse.GetRequiredValue(license));
            var result = LicenseVerifier.Verify(text, hostKey, root, identity, context.Environment.Time.GetUtcNow(), state.ReadHighWater());
            if (parse.GetValue(json))
            {
                LicenseOutput.WriteJson(context.Out, result);
            }
            else if (result.IsValid && result.Content is not null)
            {
                context.Out.WriteLine("License valid.");
                LicenseOutput.WriteText(context.Out, result.Content);
            }

            if (!result.IsValid)
            {
                context.Err.WriteLine("error: " + LicenseOutput.Rejection(result));
                return RejectionExitCodes.For(result.Code);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
