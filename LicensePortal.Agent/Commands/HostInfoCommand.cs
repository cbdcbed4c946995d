using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary><c>hostinfo --instance NAME --out FILE</c>: writes the signed host info file to upload to the portal.</summary>
public static class HostInfoCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The command.</returns>
    public static Command Create(AgentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stateDir = CommonOptions.StateDir();
        var instance = new Option<string>("--instance") { Description = "The portal instance name.", Required = true };
        var outFile = new Option<string>("--out") { Description = "Where to write the host info file.", Required = true };
        var command = new Command("hostinfo", "Write this host's signed host info file (creates the host key on first use).")
        {
            stateDir, instance, outFile,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var identity = CommonOptions.ReadIdentity(context.Environment);
            var name = parse.GetRequiredValue(instance);
            if (!TextInputRules.IsValidInstanceName(name))
            {
                throw new AgentException(ExitCodes.Usage, "--instance must be 1-64 printable characters without leading or trailing spaces.");
            }

            if ((Convert.ToByte(identity.Mac[..2], 16) & 0x02) != 0)
            {
                context.Err.WriteLine($"warning: MAC {identity.Mac} is locally administered (virtual); it may change if the VM is recreated.");
            }

            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var hostKey = state.LoadOrCreateHostKey(out var created);
            if (created)
            {
                context.Out.WriteLine($"Created host key {state.HostKeyPath}");
            }

            var text = HostInfoFile.Write(name, identity.Mac, identity.SerialNumber, hostKey, context.Environment.Time.GetUtcNow(), identity.Identifiers);
            var path = parse.GetRequiredValue(outFile);
            AgentState.WriteAtomically(path, text, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            context.Out.WriteLine($"Wrote host info for instance '{name}' (MAC {identity.Mac}, serial '{identity.SerialNumber}') to {path}");
            context.Out.WriteLine($"Host key fingerprint: {hostKey.Fingerprint}");
            context.Out.WriteLine($"Host identifiers ({identity.Identifiers.Count}): {string.Join(", ", identity.Identifiers)}");
            if (!identity.Identifiers.Any(i => i.Kind is HostIdentifierKind.DmiSerial or HostIdentifierKind.DmiUuid))
            {
                context.Out.WriteLine("No DMI serial or product UUID was found (a virtual machine without DMI, or run as root to read them).");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}

/// <summary>Input rules the agent checks before calling the library.</summary>
internal static class TextInputRules
{
    public static bool IsValidInstanceName(string name) =>
        name.Length is > 0 and <= HostInfoFile.MaxInstanceNameLength
        && !char.IsWhiteSpace(name[0]) && !char.IsWhiteSpace(name[^1])
        && !name.Any(char.IsControl);
}
