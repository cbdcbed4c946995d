using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Deployment;

/// <summary>
/// deploy/README.md as an operator follows it: <c>dotnet publish LicensePortal -c Release</c>, the output started in
/// Production from its own folder with exactly the settings of deploy/licenseportal.service (its data paths moved to a
/// temporary folder, its address to a free port), the first administrator's password read from the file the unit names,
/// and a real browser that signs in, is made to change that password, and gets a styled, live page.
/// </summary>
[SupportedOSPlatform("linux")] // a systemd deployment
public sealed class PublishedPortalRunsInProduction
{
    private const string UnitDataDirectory = "/var/lib/licenseportal";

    [Fact]
    public async Task The_publish_output_serves_styled_live_pages_with_the_units_settings()
    {
        var folder = Directory.CreateTempSubdirectory("lp-published-");
        Process? portal = null;
        var output = new StringBuilder();
        try
        {
            var app = Path.Combine(folder.FullName, "app");
            var data = Path.Combine(folder.FullName, "data");
            var (exit, log) = await RunAsync("dotnet", [
                "publish", Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal", "LicensePortal.csproj"), "-c", "Release",
                // Its own obj/bin, so the publish does not touch the Debug build the tests run from.
                "--artifacts-path", Path.Combine(folder.FullName, "artifacts"), "-o", app, "--nologo",
            ]);
            Assert.True(exit == 0, "dotnet publish failed:\n" + log);

            var port = FreePort();
            var settings = UnitEnvironment();
            Assert.Equal("Production", settings["ASPNETCORE_ENVIRONMENT"]);
            foreach (var key in settings.Keys.ToList())
            {
                settings[key] = settings[key].Replace(UnitDataDirectory, data, StringComparison.Ordinal);
            }
            settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            // The unit's StateDirectory= makes the data folder; here the test does.
            Directory.CreateDirectory(data);
            portal = Start(Path.Combine(app, "LicensePortal.dll"), app, settings, output);
            var baseAddress = new Uri($"http://127.0.0.1:{port}/");
            await WaitUntilHealthyAsync(portal, baseAddress, output);

            // Everything it wrote went where the unit says (ReadWritePaths), nothing into the read-only app folder.
            var passwordFile = Path.Combine(data, "first-admin-password.txt");
            Assert.True(File.Exists(passwordFile), "no first-admin password file in the unit's data directory:\n" + output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
            Assert.True(File.Exists(Path.Combine(data, "licenseportal.db")));
            Assert.True(File.Exists(Path.Combine(data, "keys", "vendor-root.pub")));
            Assert.False(Directory.Exists(Path.Combine(app, "data")), "the portal wrote into its app folder");
            var generated = (await File.ReadAllLinesAsync(passwordFile)).Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..];
            Assert.DoesNotContain(generated, output.ToString(), StringComparison.Ordinal);

            var (playwright, browser) = await Browsers.LaunchAsync();
            try
            {
                var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), Locale = "en-US" });
                var page = await context.NewPageAsync();
                page.SetDefaultTimeout(45_000);
                var failedAssets = new List<string>();
                page.Response += (_, response) =>
                {
                    if (response.Status >= 400 && (response.Url.Contains("/_content/", StringComparison.Ordinal) || response.Url.Contains("/_framework/", StringComparison.Ordinal)))
                    {
                        failedAssets.Add($"{response.Status} {response.Url}");
                    }
                };

                // The generated password signs in, and the portal insists on a new one before anything else.
                await page.SignInAsync(PortalProcess.AdminUserName, generated);
                await page.WaitForURLAsync(url => url.Contains("/Identity/Account/Manage/ChangePassword", StringComparison.Ordinal));
                const string chosen = "Ch0sen-Production-Passw0rd!";
                await page.FillAsync("#Input_OldPassword", generated);
                await page.FillAsync("#Input_NewPassword", chosen);
                await page.FillAsync("#Input_ConfirmPassword", chosen);
                await page.ClickAsync("#change-password-form button[type=submit]");
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

                // Styled: MudBlazor's stylesheet arrived and applies (its app bar is fixed at the top).
                await page.GotoInteractiveAsync("instances");
                Assert.Equal("fixed", await page.Locator(".mud-appbar").EvaluateAsync<string>("e => getComputedStyle(e).position"));
                var mudRules = await page.EvaluateAsync<int>(
                    "() => [...document.styleSheets].filter(s => (s.href || '').includes('MudBlazor')).reduce((n, s) => n + s.cssRules.length, 0)");
                Assert.True(mudRules > 100, $"MudBlazor's stylesheet has {mudRules} rules in the page");
                Assert.Empty(failedAssets);

                // Live: an instance created through the API appears in the open grid without a reload.
                using var http = new HttpClient { BaseAddress = baseAddress };
                using var tokenResponse = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = chosen, name = "deploy-test" });
                var token = (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString();
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var admin = (await ApiTestKit.JsonAsync(await http.GetAsync(new Uri("api/v1/users?search=admin", UriKind.Relative)), HttpStatusCode.OK)).GetProperty("items")[0];
                using var create = await http.PostAsJsonAsync("api/v1/instances", new
                {
                    name = "published-01",
                    ownerId = admin.GetProperty("id").GetString(),
                    maxDesktops = 4, maxImages = 2, maxUsers = 8, maxVcpus = 16, maxVmemGib = 64, maxVdiskGib = 512,
                    expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                });
                await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
                await Assertions.Expect(page.Locator("#instances-grid tr", new() { HasText = "published-01" })).ToBeVisibleAsync();
            }
            finally
            {
                await browser.DisposeAsync();
                playwright.Dispose();
            }
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser step failed. Portal output:\n{output}", ex);
        }
        finally
        {
            if (portal is { HasExited: false })
            {
                portal.Kill(entireProcessTree: true);
                await portal.WaitForExitAsync();
            }
            portal?.Dispose();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The <c>Environment=</c> settings of deploy/licenseportal.service, as systemd reads them.</summary>
    private static Dictionary<string, string> UnitEnvironment()
    {
        var unit = File.ReadAllLines(Path.Combine(PortalProcess.RepositoryRoot(), "deploy", "licenseportal.service"));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in unit.Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
        {
            var assignment = line["Environment=".Length..].Trim();
            if (assignment.StartsWith('"') && assignment.EndsWith('"'))
            {
                assignment = assignment[1..^1];
            }
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            settings[assignment[..equals]] = assignment[(equals + 1)..];
        }
        return settings;
    }

    private static Process Start(string dll, string workingDirectory, Dictionary<string, string> settings, StringBuilder output)
    {
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Nothing of the test run's own environment decides how the portal runs.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilHealthyAsync(Process portal, Uri baseAddress, StringBuilder output)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !portal.HasExited)
        {
            try
            {
                if ((await http.GetAsync("healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new InvalidOperationException($"The published portal did not become healthy. Its output:\n{output}");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
