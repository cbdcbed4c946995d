using LicensePortal.Agent;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Agent;

/// <summary>
/// The licensee is root on the host: they make their own root and signing key, write a license with any quotas and try
/// to get the agent to accept it. Only the root the agent was built with counts.
/// </summary>
public sealed class AgentTrustsOnlyItsRoot : IDisposable
{
    private readonly AgentSandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>A second portal: its own root and certified signing key.</summary>
    private static CertifiedSigningKey ForeignSigner(out VendorRootKey foreignRoot)
    {
        foreignRoot = VendorRootKey.Generate();
        var key = VendorKey.Generate();
        return new CertifiedSigningKey(key, foreignRoot.Certify(key.PublicKey, AgentSandbox.Start.AddDays(-1), AgentSandbox.Start.AddDays(365)));
    }

    private static string[] Check(long desktops) =>
        ["check", "--desktops", $"{desktops}", "--images", "0", "--users", "0", "--vcpus", "0", "--vmem", "0", "--vdisk", "0"];

    [Fact]
    public async Task A_license_from_a_second_portal_for_the_same_host_key_is_refused_and_the_genuine_one_stays_enforced()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("genuine.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey));
        var forged = _box.WriteLicense("forged.lic", AgentSandbox.Content(info, revision: 999) with { MaxDesktops = 100_000, ExpiresOn = new DateOnly(2099, 12, 31) },
            info.HostPublicKey, ForeignSigner(out var foreignRoot));
        // Everything the attacker controls: the old option, the state directory, the environment.
        File.WriteAllText(Path.Combine(_box.StateDir, "vendor-root.pub"), foreignRoot.PublicKey.Export());
        Directory.CreateDirectory(Path.Combine(_box.StateDir, "vendor-keys"));
        File.WriteAllText(Path.Combine(_box.StateDir, "vendor-keys", foreignRoot.KeyId + ".pub"), foreignRoot.PublicKey.Export());
        var rootFile = Path.Combine(_box.Root, "foreign-root.pub");
        File.WriteAllText(rootFile, foreignRoot.PublicKey.Export());

        var asOption = await _box.RunAsync("install", "--license", forged, "--vendor-key", rootFile);
        var plain = await _box.RunAsync("install", "--license", forged);
        var verify = await _box.RunAsync("verify", "--license", forged);

        Assert.Equal(ExitCodes.Usage, asOption.Exit);
        Assert.Equal(ExitCodes.LicenseRejected, plain.Exit);
        Assert.Contains("UnknownRootKey", plain.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.LicenseRejected, verify.Exit);
        Assert.Equal((ExitCodes.QuotaBase + 1, true), await CheckExceedsAsync(101));
    }

    [Fact]
    public async Task A_forged_license_written_straight_over_the_installed_one_fails_check()
    {
        var info = await _box.HostInfoAsync();
        await _box.InstallAsync(_box.WriteLicense("genuine.lic", AgentSandbox.Content(info), info.HostPublicKey));
        var forged = LicenseFile.Issue(AgentSandbox.Content(info, revision: 2) with { MaxDesktops = 100_000 }, ForeignSigner(out _), info.HostPublicKey);
        File.WriteAllText(Path.Combine(_box.StateDir, "license.lic"), forged);

        var (exit, _, err) = await _box.RunAsync(Check(5000));

        Assert.Equal(ExitCodes.LicenseRejected, exit);
        Assert.Contains("UnknownRootKey", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_that_names_the_trusted_root_but_is_signed_by_another_key_is_refused()
    {
        var info = await _box.HostInfoAsync();
        var genuine = _box.WriteLicense("genuine.lic", AgentSandbox.Content(info), info.HostPublicKey);
        // The attacker swaps in their own signing key and a certificate they signed themselves, copying the root's key id.
        var attackerKey = VendorKey.Generate();
        var attackerRoot = VendorRootKey.Generate();
        var selfMade = attackerRoot.Certify(attackerKey.PublicKey, AgentSandbox.Start.AddDays(-1), AgentSandbox.Start.AddDays(365)).Export()
            .Replace($"Root-Key-Id: {attackerRoot.KeyId}", $"Root-Key-Id: {_box.VendorRoot.KeyId}", StringComparison.Ordinal);
        var forgedBlock = LicenseFile.Issue(AgentSandbox.Content(info, revision: 2) with { MaxDesktops = 100_000 },
            new CertifiedSigningKey(attackerKey, attackerRoot.Certify(attackerKey.PublicKey, AgentSandbox.Start.AddDays(-1), AgentSandbox.Start.AddDays(365))), info.HostPublicKey);
        var licenseBlock = forgedBlock[..(forgedBlock.IndexOf("-----END LICENSEPORTAL LICENSE-----\n", StringComparison.Ordinal) + 36)]
            .Replace($"Root-Key-Id: {attackerRoot.KeyId}", $"Root-Key-Id: {_box.VendorRoot.KeyId}", StringComparison.Ordinal);
        var forged = Path.Combine(_box.Root, "forged.lic");
        File.WriteAllText(forged, licenseBlock + selfMade);
        await _box.InstallAsync(genuine);

        var (exit, _, err) = await _box.RunAsync("install", "--license", forged);

        Assert.Equal(ExitCodes.LicenseRejected, exit);
        Assert.Contains("BadCertificate", err, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(genuine), File.ReadAllText(Path.Combine(_box.StateDir, "license.lic")));
    }

    [Fact]
    public async Task Licenses_signed_by_two_certified_signing_keys_of_the_same_root_both_verify()
    {
        var info = await _box.HostInfoAsync();
        var rotatedKey = VendorKey.Generate();
        var rotated = new CertifiedSigningKey(rotatedKey, _box.VendorRoot.Certify(rotatedKey.PublicKey, AgentSandbox.Start.AddDays(-1), AgentSandbox.Start.AddDays(365)));
        var before = _box.WriteLicense("r1.lic", AgentSandbox.Content(info, revision: 1), info.HostPublicKey);
        var after = _box.WriteLicense("r2.lic", AgentSandbox.Content(info, revision: 2), info.HostPublicKey, rotated);

        var verifyBefore = await _box.RunAsync("verify", "--license", before);
        var verifyAfter = await _box.RunAsync("verify", "--license", after);
        await _box.InstallAsync(before);
        await _box.InstallAsync(after);

        Assert.True(verifyBefore.Exit == ExitCodes.Ok, verifyBefore.Err);
        Assert.True(verifyAfter.Exit == ExitCodes.Ok, verifyAfter.Err);
        Assert.Equal(ExitCodes.Ok, (await _box.RunAsync(Check(100))).Exit);
    }

    [Fact]
    public async Task An_agent_built_without_a_root_makes_host_info_but_refuses_to_verify_install_or_check_naming_the_build_property()
    {
        var info = await _box.HostInfoAsync();
        var license = _box.WriteLicense("l.lic", AgentSandbox.Content(info), info.HostPublicKey);

        var hostinfo = await _box.RunWithoutRootAsync("hostinfo", "--instance", "demo-01", "--out", Path.Combine(_box.Root, "again.txt"));
        var verify = await _box.RunWithoutRootAsync("verify", "--license", license);
        var install = await _box.RunWithoutRootAsync("install", "--license", license);
        var check = await _box.RunWithoutRootAsync(Check(1));

        Assert.Equal(ExitCodes.Ok, hostinfo.Exit);
        foreach (var (exit, _, err) in new[] { verify, install, check })
        {
            Assert.Equal(ExitCodes.NotSetUp, exit);
            Assert.Contains("VendorRootPublicKeyFile", err, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Path.Combine(_box.StateDir, "license.lic")));
    }

    private async Task<(int Exit, bool NamesDesktops)> CheckExceedsAsync(long desktops)
    {
        var (exit, _, err) = await _box.RunAsync(Check(desktops));
        return (exit, err.Contains("concurrent desktops: 101 used, 100 allowed", StringComparison.Ordinal));
    }
}
