using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using LicensePortal.Agent;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using LicensePortal.Tests.Licensing.Portal;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// Issue 10's acceptance: a portal whose <c>Agent:DownloadDirectory</c> is the output of the README's publish command (the
/// NativeAOT agent built with the committed test root, <see cref="ReleaseAgentBuild"/>), and whose key directory went
/// through the offline root ceremony with that same root. A customer signs in in Chromium, downloads the agent from the
/// instance page (the very bytes of the download directory, with the SHA-256 the page shows), and runs the page's commands
/// as text read from the page, in a shell, in the folder the download was saved to: check the download, write the host
/// info, drop it on the page, download the license, install it, check the quotas. The license installs and checks: the
/// agent they downloaded trusts the portal's root.
/// </summary>
[Collection(SharedReleaseAgent.Name)]
public sealed class CustomerInstallsTheAgentFromTheInstancePage : IDisposable
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";
    private const string InstanceName = "cust-01";

    /// <summary>The instance's quotas; the product's usage at <c>check</c> is exactly these (each N the page asks for).</summary>
    private static readonly Dictionary<string, int> Quotas = new(StringComparer.Ordinal)
    {
        ["--desktops"] = 20, ["--images"] = 5, ["--users"] = 20, ["--vcpus"] = 64, ["--vmem"] = 256, ["--vdisk"] = 2048,
    };

    private readonly ReleaseAgentBuild _agent;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lp-agent-install-");

    public CustomerInstallsTheAgentFromTheInstancePage(ReleaseAgentBuild agent)
    {
        _agent = agent;
        HostFolder = Directory.CreateDirectory(Path.Combine(_work.FullName, "host")).FullName;
        StateDir = Path.Combine(_work.FullName, "agent-state");
    }

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>The licensed host's folder where the customer saves the downloads and runs the commands.</summary>
    private string HostFolder { get; }

    /// <summary>The agent's state directory on the "host" (instead of /var/lib/licenseportal of this machine).</summary>
    private string StateDir { get; }

    [Fact]
    public async Task The_agent_downloaded_from_the_instance_page_is_the_published_build_and_the_commands_shown_beside_it_end_in_a_license_that_checks()
    {
        // The portal's key directory after the offline ceremony with the committed test root: its vendor-root.pub, and a
        // signing key certified with vendor-root.key, which stays on the "root's machine" (TestRoot) as in production.
        var keys = Path.Combine(_work.FullName, "portal-keys");
        Directory.CreateDirectory(keys);
        File.Copy(Path.Combine(ReleaseAgentBuild.TestRootDirectory, VendorKeyDirectory.RootPublicFile), Path.Combine(keys, VendorKeyDirectory.RootPublicFile));
        var request = Path.Combine(_work.FullName, "signing.request");
        PortalCli.Ok(keys, "keys", "request", "--out", request);
        PortalCli.Ok(keys, "keys", "certify", "--root", Path.Combine(ReleaseAgentBuild.TestRootDirectory, VendorKeyDirectory.RootPrivateFile),
            "--request", request, "--out", request + ".cert");
        PortalCli.Ok(keys, "keys", "install", "--certificate", request + ".cert");
        var signingKeyId = File.ReadAllText(Path.Combine(keys, "current")).Trim();

        // The agent is published straight into the download directory (README: "-o" the configured folder).
        var downloadDirectory = Path.GetDirectoryName(_agent.Executable)!;
        var published = await File.ReadAllBytesAsync(Path.Combine(downloadDirectory, AgentDownloads.PublishedFileName));
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["Licensing__KeyDirectory"] = keys,
            ["Agent__DownloadDirectory"] = downloadDirectory,
        });
        using var api = new HttpClient { BaseAddress = portal.BaseAddress };
        Assert.Equal(
            VendorRootPublicKey.Import(await File.ReadAllTextAsync(Path.Combine(ReleaseAgentBuild.TestRootDirectory, VendorKeyDirectory.RootPublicFile))),
            VendorRootPublicKey.Import(await api.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative))));

        // The administrator's set-up, through the JSON API: the customer's account and their instance.
        using var tokenResponse = await api.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "agent-install-e2e" });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString());
        using var userResponse = await api.PostAsJsonAsync("api/v1/users", new { userName = "cust", role = "User", password = CustomerPassword });
        var customerId = (await ApiTestKit.JsonAsync(userResponse, HttpStatusCode.Created)).GetProperty("user").GetProperty("id").GetString();
        using var instanceResponse = await api.PostAsJsonAsync("api/v1/instances", new
        {
            name = InstanceName,
            ownerId = customerId,
            maxDesktops = Quotas["--desktops"], maxImages = Quotas["--images"], maxUsers = Quotas["--users"],
            maxVcpus = Quotas["--vcpus"], maxVmemGib = Quotas["--vmem"], maxVdiskGib = Quotas["--vdisk"],
            expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await ApiTestKit.JsonAsync(instanceResponse, HttpStatusCode.Created);

        var (playwright, browser) = await Browsers.LaunchAsync();
        var customer = await browser.NewPortalPageAsync(portal);
        try
        {
            // The customer signs in and opens the instance page: the download link, its SHA-256 and size, the commands.
            await customer.SignInAsync("cust", CustomerPassword);
            await customer.GotoInteractiveAsync($"instances/{InstanceName}");
            await Assertions.Expect(customer.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TOUPLOAD");
            var agentLink = customer.Locator("#host-agent").GetByRole(AriaRole.Link, new() { Name = "Download the host agent" });
            await Assertions.Expect(agentLink).ToBeVisibleAsync();
            var shownSha256 = (await customer.Locator("#agent-sha256").TextContentAsync())!.Trim();
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(published)), shownSha256);
            await Assertions.Expect(customer.Locator("#agent-size")).ToContainTextAsync(
                published.LongLength.ToString("N0", CultureInfo.GetCultureInfo("en-US")) + " bytes");
            var verify = await CommandAsync(customer, "verify");
            var hostInfo = await CommandAsync(customer, "hostinfo");
            var install = await CommandAsync(customer, "install");
            var check = await CommandAsync(customer, "check");

            // The download: the bytes of Agent:DownloadDirectory, under the name the commands use.
            var agentDownload = await customer.RunAndWaitForDownloadAsync(() => agentLink.ClickAsync());
            var savedAgent = Path.Combine(HostFolder, agentDownload.SuggestedFilename);
            await agentDownload.SaveAsAsync(savedAgent);
            var downloaded = await File.ReadAllBytesAsync(savedAgent);
            Assert.Equal(AgentDownloads.DownloadFileName, agentDownload.SuggestedFilename);
            Assert.True(published.AsSpan().SequenceEqual(downloaded), $"the download ({downloaded.Length} bytes) is not the published agent ({published.Length} bytes)");
            Assert.Equal(shownSha256, Convert.ToHexStringLower(SHA256.HashData(downloaded)));

            // Step 1, as shown: sha256sum checks the download against the page's SHA-256 and installs it executable.
            var verified = await ShellAsync(verify);
            Assert.True(verified.Exit == 0, $"{verify}\n{verified.Output}");
            Assert.Contains($"{AgentDownloads.DownloadFileName}: OK", verified.Output, StringComparison.Ordinal);
            var executable = await File.ReadAllBytesAsync(Path.Combine(HostFolder, AgentDownloads.PublishedFileName));
            Assert.True(downloaded.AsSpan().SequenceEqual(executable), "the verify command did not install the download as ./licenseportal-agent");

            // Step 2: the agent the customer downloaded writes the host info file of this machine.
            var wroteHostInfo = await ShellAsync(OnThisHost(hostInfo));
            Assert.True(wroteHostInfo.Exit == 0, $"{hostInfo}\n{wroteHostInfo.Output}");
            var hostInfoFile = Path.Combine(HostFolder, "hostinfo.txt");
            Assert.Contains(" --out hostinfo.txt", hostInfo, StringComparison.Ordinal);
            var host = HostInfoFile.Parse(await File.ReadAllTextAsync(hostInfoFile));
            Assert.Equal(InstanceName, host.InstanceName);

            // "Then drop hostinfo.txt on this page."
            await customer.DropFileAsync("#hostinfo-zone", hostInfoFile);
            await Assertions.Expect(customer.Locator("#upload-result")).ToContainTextAsync("accepted");
            await Assertions.Expect(customer.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TODOWNLOAD");
            await Assertions.Expect(customer.Locator("#host-details")).ToContainTextAsync(host.Mac);

            // Step 3: "Download the license from this page, copy it to the host and install it".
            var licenseDownload = await customer.RunAndWaitForDownloadAsync(() => customer.ClickAsync("#download-license"));
            Assert.Contains($" --license {licenseDownload.SuggestedFilename}", install, StringComparison.Ordinal);
            await licenseDownload.SaveAsAsync(Path.Combine(HostFolder, licenseDownload.SuggestedFilename));
            await Assertions.Expect(customer.Locator("#download-count")).ToHaveTextAsync("1");
            var installed = await ShellAsync(OnThisHost(install));
            Assert.True(installed.Exit == 0, $"{install}\n{installed.Output}");

            // Step 4: the product's check, each N replaced by what it uses: every quota used up to the license's limit
            // passes, one desktop more is refused with the desktops bit.
            var within = await ShellAsync(OnThisHost(WithUsage(check, Quotas)));
            Assert.True(within.Exit == ExitCodes.Ok, $"{check}\n{within.Output}");
            var beyond = await ShellAsync(OnThisHost(WithUsage(check, new Dictionary<string, int>(Quotas, StringComparer.Ordinal) { ["--desktops"] = Quotas["--desktops"] + 1 })));
            Assert.True(beyond.Exit == ExitCodes.QuotaBase + 1, $"{check} (one desktop more)\n{beyond.Output}");

            // The instance page, opened again: the host's info, the license downloaded once by the customer, signed by the
            // key the root ceremony certified.
            await customer.GotoInteractiveAsync($"instances/{InstanceName}");
            await Assertions.Expect(customer.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TODOWNLOAD");
            await Assertions.Expect(customer.Locator("#download-count")).ToHaveTextAsync("1");
            await Assertions.Expect(customer.Locator("#host-details")).ToContainTextAsync(host.Mac);
            var revision = customer.Locator("#license-history tbody tr");
            await Assertions.Expect(revision).ToHaveCountAsync(1);
            await Assertions.Expect(revision.Locator("td").First).ToHaveTextAsync("1");
            await Assertions.Expect(revision).ToContainTextAsync(signingKeyId);
            await Assertions.Expect(revision).ToContainTextAsync("cust ·");
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-agent-install-failure-{Guid.NewGuid():N}.png");
            await customer.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Step failed at {customer.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>The command of one step of the host agent panel, exactly as the page shows it.</summary>
    private static async Task<string> CommandAsync(IPage page, string step)
    {
        var command = (await page.Locator($"#agent-command-{step}").TextContentAsync())?.Trim();
        Assert.False(string.IsNullOrEmpty(command), $"the instance page shows no '{step}' command");
        return command;
    }

    /// <summary>
    /// A page's agent command as this test runs it on the "host": the page's <c>sudo</c> (run as root) left off, since the
    /// agent reads this machine's identity as the test's user (and sudo need not be installed), and <c>--state-dir</c> in
    /// the test's folder added, so this machine's /var/lib/licenseportal is never touched. Nothing else is changed.
    /// </summary>
    private string OnThisHost(string command)
    {
        var asThisUser = command.StartsWith("sudo ", StringComparison.Ordinal) ? command["sudo ".Length..] : command;
        Assert.StartsWith($"./{AgentDownloads.PublishedFileName} ", asThisUser, StringComparison.Ordinal);
        return $"{asThisUser} --state-dir {AgentDownloads.ShellQuote(StateDir)}";
    }

    /// <summary>The check command with each placeholder N (the page: "Each N is what the product uses now") replaced by the usage of the option before it.</summary>
    private static string WithUsage(string command, IReadOnlyDictionary<string, int> usage)
    {
        var words = command.Split(' ');
        var replaced = new List<string>();
        for (var i = 1; i < words.Length; i++)
        {
            if (words[i] == "N")
            {
                Assert.True(usage.TryGetValue(words[i - 1], out var used), $"the check command asks for {words[i - 1]}, which this test does not know: {command}");
                words[i] = used.ToString(CultureInfo.InvariantCulture);
                replaced.Add(words[i - 1]);
            }
        }
        Assert.Equal(usage.Keys.Order(StringComparer.Ordinal), replaced.Order(StringComparer.Ordinal));
        return string.Join(' ', words);
    }

    /// <summary>Runs one command line with /bin/sh in the host folder, as pasted into a terminal there; returns its exit code and output.</summary>
    private async Task<(int Exit, string Output)> ShellAsync(string command)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", command])
        {
            WorkingDirectory = HostFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{command}' was still running after 2 minutes:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
