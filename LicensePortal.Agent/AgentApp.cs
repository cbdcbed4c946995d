using System.CommandLine;
using LicensePortal.Agent.Commands;

namespace LicensePortal.Agent;

/// <summary>The agent's entry point, callable in-process (tests) or from Program.</summary>
public static class AgentApp
{
    /// <summary>Default state directory.</summary>
    public const string DefaultStateDir = "/var/lib/licenseportal";

    /// <summary>Runs the agent on the real machine.</summary>
    /// <param name="args">Command line.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, output, error, AgentEnvironment.Default);

    /// <summary>Runs the agent against a given environment (fake sysfs root, fake clock).</summary>
    /// <param name="args">Command line.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="environment">Where /proc and /sys are, and the clock.</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new AgentContext(output, error, environment);
        var root = BuildRootCommand(context);
        var config = new InvocationConfiguration { Output = output, Error = error };
        return await root.Parse(args).InvokeAsync(config);
    }

    /// <summary>Builds the command tree; each command lives in Commands/.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The root command.</returns>
    public static RootCommand BuildRootCommand(AgentContext context)
    {
        var root = new RootCommand("LicensePortal host agent: host info, license verification, installation and quota checks. " + ExitCodes.HelpText)
        {
            HostInfoCommand.Create(context),
            VerifyCommand.Create(context),
            InstallCommand.Create(context),
            CheckCommand.Create(context),
            OnlineCommands.CreateActivate(context),
            OnlineCommands.CreateRenew(context),
        };
        return root;
    }
}

/// <summary>What every command needs: output writers and the environment.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error.</param>
/// <param name="Environment">The machine (or a fake one).</param>
public sealed record AgentContext(TextWriter Out, TextWriter Err, AgentEnvironment Environment)
{
    /// <summary>Runs a command body, turning known failures into a message on stderr and an exit code.</summary>
    /// <param name="body">The command.</param>
    /// <returns>The exit code.</returns>
    public int Guard(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (AgentException ex)
        {
            Err.WriteLine("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (UnauthorizedAccessException ex)
        {
            Err.WriteLine($"error: permission denied: {ex.Message} (run as root)");
            return ExitCodes.Environment;
        }
        catch (IOException ex)
        {
            Err.WriteLine("error: " + ex.Message);
            return ExitCodes.Environment;
        }
    }

    /// <summary>The asynchronous <see cref="Guard(Func{int})"/>, for the online commands.</summary>
    /// <param name="body">The command.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> GuardAsync(Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (AgentException ex)
        {
            await Err.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (UnauthorizedAccessException ex)
        {
            await Err.WriteLineAsync($"error: permission denied: {ex.Message} (run as root)");
            return ExitCodes.Environment;
        }
        catch (IOException ex)
        {
            await Err.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.Environment;
        }
    }
}
