using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary><c>verify --license FILE [--vendor-key FILE] [--json]</c>: checks a license file for this host.</summary>
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
        var vendorKey = CommonOptions.VendorKey();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (camelCase fields)." };
        var mac = CommonOptions.Mac();
        var serial = CommonOptions.Serial();
        var command = new Command("verify", "Verify a license file for this host and print its values. Exit 0 if valid, 3 if rejected.")
        {
            stateDir, license, vendorKey, json, mac, serial,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var hostKey = state.LoadHostKey();
            var trusted = state.TrustedVendorKeys(parse.GetValue(vendorKey), context.Err);
            var identity = CommonOptions.ResolveIdentity(parse.GetValue(mac), parse.GetValue(serial), context.Environment);
            var text = AgentState.ReadText(parse.GetRequiredValue(license));
            var result = LicenseVerifier.Verify(text, hostKey, trusted, identity, context.Environment.Time.GetUtcNow());
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
                return ExitCodes.LicenseRejected;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
