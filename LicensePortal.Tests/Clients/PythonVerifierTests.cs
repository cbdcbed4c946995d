using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LicensePortal.Agent;
using LicensePortal.Agent.Commands;
using LicensePortal.Licensing;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Clients;

/// <summary>
/// clients/python/licenseportal_license.py, the verifier for Python products, run by Debian's /usr/bin/python3 with
/// python3-cryptography: it agrees with the committed vectors, with the agent on a license issued by the real portal,
/// and refuses a license from another root.
/// </summary>
public sealed class PythonVerifierTests
{
    private const string Python = "/usr/bin/python3";

    /// <summary>The vectors' expected codes that need a host's high-water mark, which the stateless module does not keep.</summary>
    private static readonly HashSet<string> NeedsHighWater = new(StringComparer.Ordinal) { "OlderThanInstalled", "ClockWoundBack" };

    private static string ClientDir => Path.Combine(PortalProcess.RepositoryRoot(), "clients", "python");

    private static string ModulePath => Path.Combine(ClientDir, "licenseportal_license.py");

    [Fact]
    public async Task Every_stateless_license_vector_gives_the_expected_code()
    {
        var vectorDir = Path.Combine(PortalProcess.RepositoryRoot(), "docs", "test-vectors");
        using var vectors = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(vectorDir, "vectors.json")));
        var cases = vectors.RootElement.GetProperty("licenseCases").EnumerateArray()
            .Select(c => (Name: c.GetProperty("name").GetString()!, Expected: c.GetProperty("expected").GetString()!))
            .ToList();

        var run = await RunPythonAsync(Path.Combine(ClientDir, "tests", "run_vectors.py"), vectorDir);

        Assert.True(run.Exit == 0, $"run_vectors.py exited with {run.Exit}:\n{run.Out}\n{run.Err}");
        var results = JsonLines(run.Out);
        Assert.Equal(cases.Count, results.Count);
        var compared = 0;
        for (var i = 0; i < cases.Count; i++)
        {
            var result = results[i];
            Assert.Equal(cases[i].Name, result.GetProperty("name").GetString());
            if (NeedsHighWater.Contains(cases[i].Expected))
            {
                continue;
            }

            var expected = cases[i].Expected;
            Assert.True(expected == result.GetProperty("code").GetString(), $"case '{cases[i].Name}': expected {expected}, the module gave {result.GetProperty("code")}");
            Assert.True(expected == result.GetProperty("strictCode").GetString(), $"case '{cases[i].Name}' (reject_expired): expected {expected}, the module gave {result.GetProperty("strictCode")}");
            Assert.True(expected == result.GetProperty("rawRootCode").GetString(), $"case '{cases[i].Name}' (raw root bytes): expected {expected}, the module gave {result.GetProperty("rawRootCode")}");
            compared++;
        }

        // Only the high-water cases are left out, and the comparison covers the valid license, every rejection and expiry.
        Assert.Equal(cases.Count(c => !NeedsHighWater.Contains(c.Expected)), compared);
        Assert.True(compared >= 45, $"only {compared} vectors compared");
        var comparedCodes = cases.Where(c => !NeedsHighWater.Contains(c.Expected)).Select(c => c.Expected).ToHashSet(StringComparer.Ordinal);
        foreach (var code in new[] { "None", "Expired", "IssuedInFuture", "UnknownRootKey", "BadCertificate", "BadSignature", "NotForThisHost", "HostMismatch", "CertificateExpired", "Malformed", "Truncated" })
        {
            Assert.Contains(code, comparedCodes);
        }
    }

    [Fact]
    public async Task A_license_issued_by_the_running_portal_gives_the_agents_answers_at_below_and_above_every_limit()
    {
        await using var portal = await PortalProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var tokenResponse = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "python-client" });
        var adminToken = (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        var admin = (await ApiTestKit.JsonAsync(await http.GetAsync(new Uri("api/v1/users?search=admin", UriKind.Relative)), HttpStatusCode.OK)).GetProperty("items")[0];
        var limits = new long[] { 40, 5, 50, 64, 256, 2048 };
        var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var create = await http.PostAsJsonAsync("api/v1/instances", new
        {
            name = "py-01",
            ownerId = admin.GetProperty("id").GetString(),
            maxDesktops = limits[0], maxImages = limits[1], maxUsers = limits[2], maxVcpus = limits[3], maxVmemGib = limits[4], maxVdiskGib = limits[5],
            expiresAt = expires,
        });
        await ApiTestKit.JsonAsync(create, HttpStatusCode.Created);
        var rootText = await http.GetStringAsync(new Uri("vendor-root.pub", UriKind.Relative));

        using var box = new AgentSandbox();
        var env = box.Environment(VendorRootPublicKey.Import(rootText));
        var hostInfo = Path.Combine(box.Root, "hostinfo.txt");
        var written = await box.RunAsync(env, "hostinfo", "--instance", "py-01", "--out", hostInfo);
        Assert.True(written.Exit == 0, written.Err);
        using var upload = await http.PostAsync(new Uri("api/v1/instances/py-01/hostinfo", UriKind.Relative), ApiTestKit.Text(await File.ReadAllTextAsync(hostInfo)));
        await ApiTestKit.JsonAsync(upload, HttpStatusCode.OK);
        using var download = await http.PostAsync(new Uri("api/v1/instances/py-01/license", UriKind.Relative), content: null);
        Assert.True(download.StatusCode == HttpStatusCode.OK, await download.Content.ReadAsStringAsync());
        var licensePath = Path.Combine(box.Root, "py-01_LICENSE");
        await File.WriteAllBytesAsync(licensePath, await download.Content.ReadAsByteArrayAsync());
        var rootPath = Path.Combine(box.Root, "vendor-root.pub");
        await File.WriteAllTextAsync(rootPath, rootText);
        var hostKey = Path.Combine(box.StateDir, "host.key");
        var installed = await box.RunAsync(env, "install", "--license", licensePath);
        Assert.True(installed.Exit == ExitCodes.Ok, installed.Out + installed.Err);

        // The command line prints the seed's nine lines of the portal's license.
        var verify = await RunPythonAsync(ModulePath, "verify", "--license", licensePath, "--host-key", hostKey, "--root", rootPath, "--mac", AgentSandbox.HostMac, "--serial", AgentSandbox.HostSerial);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Equal(string.Join('\n', limits) + $"\n{expires}\n{AgentSandbox.HostMac}\n{AgentSandbox.HostSerial}\n", verify.Out);

        // For each limit: one below, exactly at and one above it, everything else 0; then all six above at once.
        var usages = new List<long[]>();
        for (var kind = 0; kind < limits.Length; kind++)
        {
            foreach (var delta in new long[] { -1, 0, 1 })
            {
                var usage = new long[limits.Length];
                usage[kind] = limits[kind] + delta;
                usages.Add(usage);
            }
        }
        usages.Add(limits.Select(l => l + 1).ToArray());
        usages.Add((long[])limits.Clone());

        var answers = await RunPythonAsync(Path.Combine(ClientDir, "tests", "check_quotas.py"),
            ["--license", licensePath, "--host-key", hostKey, "--root", rootPath, "--mac", AgentSandbox.HostMac, "--serial", AgentSandbox.HostSerial,
             .. usages.Select(u => string.Join(',', u))]);
        Assert.True(answers.Exit == 0, answers.Out + answers.Err);
        var lines = JsonLines(answers.Out);
        Assert.Equal(usages.Count, lines.Count);
        string[] names = ["desktops", "images", "users", "vcpu", "vmem", "vdisk"];
        var exceededSeen = 0;
        for (var i = 0; i < usages.Count; i++)
        {
            var u = usages[i];
            var agent = await box.RunAsync(env, "check", "--desktops", $"{u[0]}", "--images", $"{u[1]}", "--users", $"{u[2]}", "--vcpus", $"{u[3]}", "--vmem", $"{u[4]}", "--vdisk", $"{u[5]}");
            Assert.True(agent.Exit == ExitCodes.Ok || agent.Exit >= ExitCodes.QuotaBase, $"agent check {string.Join(',', u)}: {agent.Exit}\n{agent.Err}");
            var bits = agent.Exit == ExitCodes.Ok ? 0 : agent.Exit - ExitCodes.QuotaBase;
            Assert.True(lines[i].GetProperty("notExpired").GetBoolean());
            for (var kind = 0; kind < names.Length; kind++)
            {
                var agentExceeded = (bits & CheckCommand.QuotaBit((QuotaKind)(kind + 1))) != 0;
                var moduleWithin = lines[i].GetProperty(names[kind]).GetBoolean();
                Assert.True(agentExceeded != moduleWithin, $"usage {string.Join(',', u)}, {names[kind]}: agent exceeded={agentExceeded}, module within={moduleWithin}");
                Assert.Equal(u[kind] <= limits[kind], moduleWithin);
                exceededSeen += agentExceeded ? 1 : 0;
            }
        }

        // Six single overshoots plus the all-six row.
        Assert.Equal(12, exceededSeen);
    }

    [Fact]
    public async Task A_license_from_another_root_is_refused_with_UnknownRootKey_and_the_genuine_one_is_accepted()
    {
        using var box = new AgentSandbox();
        var info = await box.HostInfoAsync();
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var content = AgentSandbox.Content(info) with { IssuedAt = now, ExpiresOn = DateOnly.FromDateTime(now.UtcDateTime).AddYears(1) };
        var foreignRoot = VendorRootKey.Generate();
        var foreignKey = VendorKey.Generate();
        var foreignSigner = new CertifiedSigningKey(foreignKey, foreignRoot.Certify(foreignKey.PublicKey, now.AddDays(-1), now.AddDays(30)));
        var forged = box.WriteLicense("forged.lic", content with { MaxDesktops = 100_000 }, info.HostPublicKey, foreignSigner);
        var genuine = box.WriteLicense("genuine.lic", content, info.HostPublicKey);
        var rootPath = Path.Combine(box.Root, "vendor-root.pub");
        await File.WriteAllTextAsync(rootPath, box.VendorRoot.PublicKey.Export());
        var hostKey = Path.Combine(box.StateDir, "host.key");

        var refused = await RunPythonAsync(ModulePath, "verify", "--license", forged, "--host-key", hostKey, "--root", rootPath);
        var accepted = await RunPythonAsync(ModulePath, "verify", "--license", genuine, "--host-key", hostKey, "--root", rootPath, "--mac", AgentSandbox.HostMac, "--serial", AgentSandbox.HostSerial);
        var quotas = await RunPythonAsync(Path.Combine(ClientDir, "tests", "check_quotas.py"), "--license", forged, "--host-key", hostKey, "--root", rootPath, "1,1,1,1,1,1");

        Assert.Equal(3, refused.Exit);
        Assert.StartsWith("license rejected (UnknownRootKey): ", refused.Err, StringComparison.Ordinal);
        Assert.Contains(foreignRoot.KeyId, refused.Err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, refused.Out);
        Assert.True(accepted.Exit == 0, accepted.Out + accepted.Err);
        Assert.StartsWith("100\n20\n150\n", accepted.Out, StringComparison.Ordinal);
        Assert.Equal(3, quotas.Exit);
        Assert.Equal("UnknownRootKey", JsonLines(quotas.Out).Single().GetProperty("rejected").GetString());
    }

    [Fact]
    public async Task Read_host_identifiers_reads_fake_sysfs_trees_as_the_agent_reads_a_host()
    {
        var vectorDir = Path.Combine(PortalProcess.RepositoryRoot(), "docs", "test-vectors");

        var run = await RunPythonAsync(Path.Combine(ClientDir, "tests", "check_host_identifiers.py"), vectorDir);

        Assert.True(run.Exit == 0, $"check_host_identifiers.py exited with {run.Exit}:\n{run.Out}\n{run.Err}");
        Assert.Matches(@"(\d+)/\1 checks passed", run.Out);
        Assert.DoesNotContain("FAIL", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_line_checks_the_identifiers_it_is_given_or_reads_and_tolerates_one_replaced_card()
    {
        using var box = new AgentSandbox();
        var info = await box.HostInfoAsync();
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        const string SecondMac = "52:54:00:00:00:09";
        var content = AgentSandbox.Content(info) with
        {
            IssuedAt = now,
            ExpiresOn = DateOnly.FromDateTime(now.UtcDateTime).AddYears(1),
            HostIdentifiers =
            [
                HostIdentifier.Create(HostIdentifierKind.Mac, SecondMac),
                HostIdentifier.Create(HostIdentifierKind.Mac, AgentSandbox.HostMac),
                HostIdentifier.Create(HostIdentifierKind.DmiSerial, AgentSandbox.HostSerial),
            ],
            RequiredHostMatches = 2,
        };
        var license = box.WriteLicense("tolerant.lic", content, info.HostPublicKey);
        var rootPath = Path.Combine(box.Root, "vendor-root.pub");
        await File.WriteAllTextAsync(rootPath, box.VendorRoot.PublicKey.Export());
        string[] verify = ["verify", "--license", license, "--host-key", Path.Combine(box.StateDir, "host.key"), "--root", rootPath];
        string[] read = [.. verify, "--read-host-identifiers", "--system-root", box.SysRoot];

        // The sandbox host: eth0 and enp9s0 physical, docker0 and lo not, the DMI serial.
        var asRead = await RunPythonAsync(ModulePath, read);
        var oneGiven = await RunPythonAsync(ModulePath, [.. verify, "--identifier", "mac " + SecondMac]);
        var twoGiven = await RunPythonAsync(ModulePath, [.. verify, "--identifier", "mac 52-54-00-00-00-09", "--identifier", "dmi-serial " + AgentSandbox.HostSerial]);
        var macAndSerial = await RunPythonAsync(ModulePath, [.. verify, "--mac", AgentSandbox.HostMac, "--serial", AgentSandbox.HostSerial]);
        var invalid = await RunPythonAsync(ModulePath, [.. verify, "--identifier", "disk-serial WD-1"]);
        box.AddInterface("eth0", "52:54:00:11:11:11", physical: true);
        var cardReplaced = await RunPythonAsync(ModulePath, read);
        File.Delete(Path.Combine(box.SysRoot, "sys/class/dmi/id/product_serial"));
        var cardAndSerialGone = await RunPythonAsync(ModulePath, read);

        Assert.True(asRead.Exit == 0, asRead.Out + asRead.Err);
        Assert.StartsWith("100\n20\n150\n", asRead.Out, StringComparison.Ordinal);
        Assert.Equal(3, oneGiven.Exit);
        Assert.StartsWith("license rejected (HostMismatch): The license needs 2 of its 3 host identifiers on this host, which presents 1; missing: mac 52:54:00:ab:cd:ef, dmi-serial VMware-42 1a 2b 3c.", oneGiven.Err, StringComparison.Ordinal);
        Assert.True(twoGiven.Exit == 0, twoGiven.Out + twoGiven.Err);
        Assert.True(macAndSerial.Exit == 0, macAndSerial.Out + macAndSerial.Err);
        Assert.Equal(2, invalid.Exit);
        Assert.Contains("disk-serial WD-1", invalid.Err, StringComparison.Ordinal);
        Assert.True(cardReplaced.Exit == 0, cardReplaced.Out + cardReplaced.Err);
        Assert.Equal(3, cardAndSerialGone.Exit);
        Assert.StartsWith("license rejected (HostMismatch): ", cardAndSerialGone.Err, StringComparison.Ordinal);
    }

    private static List<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    /// <summary>Runs a script with Debian's Python; fails (never skips) when it or python3-cryptography is missing.</summary>
    private static async Task<(int Exit, string Out, string Err)> RunPythonAsync(string script, params string[] args)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} is needed to test clients/python (apt-get install python3 python3-cryptography).");
        }

        var probe = await RunAsync(["-c", "import cryptography; print(cryptography.__version__)"]);
        if (probe.Exit != 0)
        {
            Assert.Fail($"{Python} has no cryptography package (apt-get install python3-cryptography):\n{probe.Err}");
        }

        return await RunAsync([script, .. args]);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string[] args)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = ClientDir,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // No __pycache__ in the source tree; UTF-8 output whatever the test host's locale.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        start.Environment["PYTHONUTF8"] = "1";
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
