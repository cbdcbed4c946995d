using System.Diagnostics;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Api;

/// <summary>
/// /openapi/v1.json passes Stoplight Spectral with the repository's .spectral.yaml (the spectral:oas ruleset): no
/// errors and no warnings, so every operation has a summary, a description and tags, and the document is valid OpenAPI.
/// </summary>
public sealed class OpenApiDocumentPassesSpectral
{
    public const string SpectralVariable = "LICENSEPORTAL_TEST_SPECTRAL";

    [Fact]
    public async Task Spectral_finds_nothing_to_report()
    {
        var spectral = Environment.GetEnvironmentVariable(SpectralVariable);
        Assert.True(!string.IsNullOrEmpty(spectral) && File.Exists(spectral),
            $"{SpectralVariable} must name the spectral CLI (bash .ci/run installs @stoplight/spectral-cli 6.16.3 into .ci/node and sets it); got '{spectral}'.");

        await using var factory = new PortalWebFactory();
        using var client = ApiTestKit.Anonymous(factory);
        var document = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var folder = Directory.CreateTempSubdirectory("lp-openapi-");
        try
        {
            var file = Path.Combine(folder.FullName, "v1.json");
            await File.WriteAllTextAsync(file, document);
            var ruleset = Path.Combine(PortalProcess.RepositoryRoot(), ".spectral.yaml");

            var (exitCode, output) = await RunAsync(spectral!, "lint", "--ruleset", ruleset, "--fail-severity", "hint", "--format", "text", file);

            Assert.True(exitCode == 0, $"spectral exited with {exitCode}:\n{output}");
            Assert.DoesNotContain("warning", output, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("error", output.Replace("No results with a severity of 'hint' or higher found!", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
