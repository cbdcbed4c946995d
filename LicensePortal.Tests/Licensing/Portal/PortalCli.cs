using System.Diagnostics;
using LicensePortal.Commands;
using LicensePortal.Options;
using Microsoft.Extensions.Hosting.Internal;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// The portal's command line, run for real: <c>dotnet LicensePortal.dll ARGS</c> as its own process (the build the tests
/// reference), with the environment the test gives, waited for, and its exit code and output returned. <see cref="RunInProcess"/>
/// runs the same <c>keys</c> code in this process, for preparing files quickly.
/// </summary>
public static class PortalCli
{
    public sealed record Result(int Exit, string Out, string Err)
    {
        public override string ToString() => $"exit {Exit}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "LicensePortal.dll"), .. args])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"dotnet LicensePortal.dll {string.Join(' ', args)} was still running after 90 s (it should have exited). Output:\n{await output}\n{await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>The <c>keys</c> commands in this process, with the key directory <paramref name="keyDirectory"/> and the real clock.</summary>
    public static Result RunInProcess(string keyDirectory, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = KeysCommand.Run(args, new LicensingOptions { KeyDirectory = keyDirectory }, new HostingEnvironment { ContentRootPath = keyDirectory },
            TimeProvider.System, output, error);
        return new Result(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs in process and insists it worked.</summary>
    public static Result Ok(string keyDirectory, params string[] args)
    {
        var result = RunInProcess(keyDirectory, args);
        Assert.True(result.Exit == 0, result.ToString());
        return result;
    }
}
