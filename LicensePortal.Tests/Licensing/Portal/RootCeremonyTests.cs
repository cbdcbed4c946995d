using System.Text;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// The vendor root kept offline: <c>keys init-root</c> on the root's machine, <c>keys request</c>, <c>keys certify</c>,
/// <c>keys install</c>, each run as the real <c>dotnet LicensePortal.dll</c> on real files in temp folders standing for
/// the two machines; then the portal signs with the installed key and hosts verify with the root alone.
/// </summary>
public sealed class RootCeremonyTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lp-ceremony-");

    /// <summary>The root's machine: where vendor-root.key lives.</summary>
    private string RootMachine => Path.Combine(_work.FullName, "root-machine");

    /// <summary>The portal server's Licensing:KeyDirectory (never holds vendor-root.key here).</summary>
    private string KeyDirectory => Path.Combine(_work.FullName, "portal-keys");

    private Dictionary<string, string> ServerEnvironment => new() { ["Licensing__KeyDirectory"] = KeyDirectory };

    private Task<PortalCli.Result> KeysAsync(params string[] args) => PortalCli.RunAsync(_work.FullName, ServerEnvironment, ["keys", .. args]);

    private static UnixFileMode Mode(string path) =>
        !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path) : throw new PlatformNotSupportedException("file modes are a Unix matter");

    private static void Succeeded(PortalCli.Result result) => Assert.True(result.Exit == 0 && result.Err.Length == 0, result.ToString());

    /// <summary>Refused: exit 1, nothing on standard output, one line on standard error containing <paramref name="expected"/>.</summary>
    private static void Refused(PortalCli.Result result, string expected)
    {
        Assert.True(result.Exit == 1, result.ToString());
        Assert.Equal("", result.Out);
        var line = Assert.Single(result.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    /// <summary>init-root on the root's machine, vendor-root.pub copied into the portal's key directory.</summary>
    private async Task<VendorRootKey> InitRootAsync()
    {
        Succeeded(await KeysAsync("init-root", "--out", RootMachine));
        Directory.CreateDirectory(KeyDirectory);
        File.Copy(Path.Combine(RootMachine, "vendor-root.pub"), Path.Combine(KeyDirectory, "vendor-root.pub"));
        return VendorRootKey.ImportPrivate(await File.ReadAllTextAsync(Path.Combine(RootMachine, "vendor-root.key")));
    }

    /// <summary>request on the server, certify on the root's machine, install on the server; returns the new key id.</summary>
    private async Task<string> CeremonyAsync()
    {
        var before = Directory.GetFiles(KeyDirectory, "*.request").ToHashSet();
        var request = await KeysAsync("request");
        Succeeded(request);
        var requestFile = Assert.Single(Directory.GetFiles(KeyDirectory, "*.request"), f => !before.Contains(f));
        var keyId = Path.GetFileNameWithoutExtension(requestFile);
        Assert.Contains($"Made signing key {keyId}", request.Out, StringComparison.Ordinal);
        Assert.Contains("keys certify", request.Out, StringComparison.Ordinal);
        Assert.Equal(OwnerReadWrite, Mode(Path.Combine(KeyDirectory, keyId + ".key")));
        Assert.False(File.Exists(Path.Combine(KeyDirectory, keyId + ".cert")));
        Assert.NotEqual(keyId, File.Exists(Path.Combine(KeyDirectory, "current")) ? File.ReadAllText(Path.Combine(KeyDirectory, "current")) : null);

        // "Copy the request to the root's machine" and the certificate back.
        var copied = Path.Combine(RootMachine, keyId + ".request");
        File.Copy(requestFile, copied);
        var certificate = Path.Combine(RootMachine, keyId + ".cert");
        var certify = await KeysAsync("certify", "--root", Path.Combine(RootMachine, "vendor-root.key"), "--request", copied, "--out", certificate);
        Succeeded(certify);
        Assert.Contains($"Certified signing key {keyId} with vendor root", certify.Out, StringComparison.Ordinal);
        var back = Path.Combine(_work.FullName, keyId + ".cert");
        File.Copy(certificate, back);

        var install = await KeysAsync("install", "--certificate", back);
        Succeeded(install);
        Assert.Contains($"Signing key {keyId} is now current", install.Out, StringComparison.Ordinal);
        Assert.Equal(keyId, (await File.ReadAllTextAsync(Path.Combine(KeyDirectory, "current"))).Trim());
        Assert.Equal(await File.ReadAllTextAsync(back), await File.ReadAllTextAsync(Path.Combine(KeyDirectory, keyId + ".cert")));
        return keyId;
    }

    [Fact]
    public async Task Init_root_makes_a_private_root_file_readable_only_by_its_owner_and_prints_its_id_and_fingerprint()
    {
        var result = await KeysAsync("init-root", "--out", RootMachine);

        Succeeded(result);
        var root = VendorRootKey.ImportPrivate(await File.ReadAllTextAsync(Path.Combine(RootMachine, "vendor-root.key")));
        Assert.Equal(root.PublicKey, VendorRootPublicKey.Import(await File.ReadAllTextAsync(Path.Combine(RootMachine, "vendor-root.pub"))));
        Assert.Equal(OwnerReadWrite, Mode(Path.Combine(RootMachine, "vendor-root.key")));
        Assert.Contains(root.KeyId, result.Out, StringComparison.Ordinal);
        Assert.Contains(root.PublicKey.Fingerprint, result.Out, StringComparison.Ordinal);
        var secret = root.ExportPrivate().Split('\n').Single(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal) && !l.Contains(':', StringComparison.Ordinal));
        Assert.DoesNotContain(secret, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_root_refuses_to_overwrite_an_existing_root()
    {
        await InitRootAsync();
        var files = VendorKeyTests.Files(RootMachine);

        var again = await KeysAsync("init-root", "--out", RootMachine);

        Refused(again, "exists already");
        Assert.Equal(files, VendorKeyTests.Files(RootMachine));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_offline_ceremony_gives_the_portal_a_key_whose_licenses_verify_with_the_root_before_and_after_a_rotation(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        var root = (await InitRootAsync()).PublicKey;
        var first = await CeremonyAsync();
        await using var portal = await PortalServices.StartAsync(provider, settings: new Dictionary<string, string?> { ["Licensing:KeyDirectory"] = KeyDirectory });
        // The certificate was dated by the real clock; the portal's clock is moved to it before the keys are first read.
        portal.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var store = portal.Get<VendorKeyStore>();
        Assert.Equal((first, root, false), (store.CurrentInfo.KeyId, store.Root, store.RootIsOnline));
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("alice-01", alice);
        var hostKey = HostKey.Generate();
        await UploadValidAsync(portal, alice, "alice-01", hostKey);
        var before = (await portal.Get<LicenseService>().GenerateAsync(alice, "alice-01", Address)).Value!;

        // A rotation while the portal runs: it takes up the installed key by itself.
        var second = await CeremonyAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.CurrentInfo.KeyId != second)
        {
            Assert.True(DateTime.UtcNow < deadline, "the running portal did not take up the installed key");
            await Task.Delay(100);
        }
        var after = (await portal.Get<LicenseService>().GenerateAsync(alice, "alice-01", Address)).Value!;

        Assert.Equal((1, 2), (before.Revision, after.Revision));
        foreach (var (license, signer) in new[] { (before, first), (after, second) })
        {
            var verified = LicenseVerifier.Verify(license.FileText, hostKey, root, new HostIdentity(Mac, Serial), portal.Time.GetUtcNow());
            Assert.True(verified.IsValid, verified.Message);
            Assert.Equal((signer, root.KeyId), (verified.Content!.VendorKeyId, verified.Content.RootKeyId));
        }
        Assert.False(File.Exists(Path.Combine(KeyDirectory, "vendor-root.key")));
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), store.All.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        Assert.All(store.All, k => Assert.True(k.Certificate!.IsSignedBy(root)));
    }

    public static TheoryData<string> BadCertificates() => ["another-root", "key-not-here", "expired", "not-yet-valid", "garbage", "altered", "root-public-key"];

    /// <summary>A genuine certificate whose Valid-Until was moved to 2099 by hand: well-formed, but no longer what the root signed.</summary>
    private static string Extended(string certificate)
    {
        var line = certificate.Split('\n').Single(l => l.StartsWith("Valid-Until: ", StringComparison.Ordinal));
        return certificate.Replace(line, "Valid-Until: 2099" + line["Valid-Until: 2026".Length..], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadCertificates))]
    public async Task Install_refuses_a_certificate_it_cannot_trust_with_one_line_and_changes_nothing(string kind)
    {
        var root = await InitRootAsync();
        var installed = await CeremonyAsync();
        PortalCli.Ok(KeyDirectory, "keys", "request");
        var pending = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(KeyDirectory, "*.request"), f => !f.Contains(installed, StringComparison.Ordinal)));
        var pendingKey = VendorPublicKey.Import(await File.ReadAllTextAsync(Path.Combine(KeyDirectory, pending + ".request")));
        var now = DateTimeOffset.UtcNow;
        var (text, expected) = kind switch
        {
            "another-root" => (VendorRootKey.Generate().Certify(pendingKey, now.AddMinutes(-5), now.AddDays(30)).Export(), $"this portal trusts root {root.KeyId}"),
            "key-not-here" => (root.Certify(VendorKey.Generate().PublicKey, now.AddMinutes(-5), now.AddDays(30)).Export(), "which is not in"),
            "expired" => (root.Certify(pendingKey, now.AddDays(-30), now.AddDays(-1)).Export(), "expired on"),
            "not-yet-valid" => (root.Certify(pendingKey, now.AddDays(1), now.AddDays(30)).Export(), "not valid before"),
            "garbage" => ("this is not a certificate\n", "is not a signing key certificate"),
            "altered" => (Extended(root.Certify(pendingKey, now.AddMinutes(-5), now.AddDays(30)).Export()), "does not verify"),
            "root-public-key" => (root.PublicKey.Export(), "this is a vendor root public key"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var file = Path.Combine(_work.FullName, "bad.cert");
        await File.WriteAllTextAsync(file, text, new UTF8Encoding(false));
        var files = VendorKeyTests.Files(KeyDirectory);

        var result = await KeysAsync("install", "--certificate", file);

        Refused(result, expected);
        Assert.Equal(files, VendorKeyTests.Files(KeyDirectory));
        Assert.Equal(installed, (await File.ReadAllTextAsync(Path.Combine(KeyDirectory, "current"))).Trim());
    }

    [Fact]
    public async Task A_request_without_the_roots_public_key_in_the_key_directory_is_refused_naming_init_root_and_writes_nothing()
    {
        Directory.CreateDirectory(KeyDirectory);

        var result = await KeysAsync("request");

        Refused(result, "keys init-root");
        Assert.Empty(Directory.GetFileSystemEntries(KeyDirectory));
    }

    [Fact]
    public async Task Certify_dates_the_certificate_from_now_for_the_days_asked()
    {
        var root = await InitRootAsync();
        PortalCli.Ok(KeyDirectory, "keys", "request", "--out", Path.Combine(_work.FullName, "key.request"));
        var certificate = Path.Combine(_work.FullName, "key.cert");
        var start = DateTimeOffset.UtcNow;

        var result = await KeysAsync("certify", "--root", Path.Combine(RootMachine, "vendor-root.key"), "--request", Path.Combine(_work.FullName, "key.request"),
            "--out", certificate, "--valid-days", "30");

        Succeeded(result);
        var made = SigningKeyCertificate.Import(await File.ReadAllTextAsync(certificate));
        Assert.True(made.IsSignedBy(root.PublicKey));
        Assert.InRange(made.ValidUntil, start.AddDays(30).AddSeconds(-1), DateTimeOffset.UtcNow.AddDays(30));
        Assert.InRange(made.ValidFrom, start.AddMinutes(-5).AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Contains(made.SigningKeyId, result.Out, StringComparison.Ordinal);
        Assert.Contains(root.KeyId, result.Out, StringComparison.Ordinal);
        Assert.Contains("30 days", result.Out, StringComparison.Ordinal);
    }

    public static TheoryData<string[]> BadArguments() =>
    [
        ["keys"],
        ["keys", "rotate"],
        ["keys", "init-root"],
        ["keys", "init-root", "--out"],
        ["keys", "init-root", "--out", "a", "--out", "b"],
        ["keys", "request", "--force"],
        ["keys", "certify", "--root", "vendor-root.key", "--request", "k.request"],
        ["keys", "certify", "--root", "vendor-root.key", "--request", "k.request", "--out", "k.cert", "--valid-days", "0"],
        ["keys", "certify", "--root", "vendor-root.key", "--request", "k.request", "--out", "k.cert", "--valid-days", "five"],
        ["keys", "install"],
        ["keys", "install", "cert"],
    ];

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_print_the_usage_exit_1_and_write_nothing(string[] args)
    {
        var result = PortalCli.RunInProcess(KeyDirectory, args);

        Assert.Equal(1, result.Exit);
        Assert.Equal("", result.Out);
        Assert.Contains("Usage:", result.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_work.FullName));
    }

    [Fact]
    public async Task Bad_arguments_to_the_real_process_print_the_usage_and_exit_1()
    {
        var result = await KeysAsync("certify", "--root");

        Assert.Equal(1, result.Exit);
        Assert.StartsWith("LicensePortal keys: --root needs a value.", result.Err, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.Err, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> UnusableKeyDirectories() => new()
    {
        { "certificate-missing", "keys install" },
        { "certificate-of-another-root", "keys install" },
        { "root-public-key-missing", "keys init-root" },
    };

    [Theory]
    [MemberData(nameof(UnusableKeyDirectories))]
    public async Task The_portal_refuses_to_start_on_a_key_directory_it_cannot_sign_with_naming_the_command_and_without_a_stack_trace(string kind, string command)
    {
        await InitRootAsync();
        var keyId = await CeremonyAsync();
        var certificate = Path.Combine(KeyDirectory, keyId + ".cert");
        switch (kind)
        {
            case "certificate-missing":
                File.Delete(certificate);
                break;
            case "certificate-of-another-root":
                var now = DateTimeOffset.UtcNow;
                var key = VendorKey.ImportPrivate(await File.ReadAllTextAsync(Path.Combine(KeyDirectory, keyId + ".key")));
                await File.WriteAllTextAsync(certificate, VendorRootKey.Generate().Certify(key.PublicKey, now.AddDays(-1), now.AddDays(30)).Export());
                break;
            default:
                File.Delete(Path.Combine(KeyDirectory, "vendor-root.pub"));
                break;
        }
        var database = Path.Combine(_work.FullName, "portal.db");
        var environment = new Dictionary<string, string>(ServerEnvironment)
        {
            ["ConnectionStrings__LicensePortal"] = $"Data Source={database}",
            ["Bootstrap__AdminPassword"] = "Adm1n-Passw0rd!",
        };

        var result = await PortalCli.RunAsync(_work.FullName, environment);

        Assert.True(result.Exit == 1, result.ToString());
        var line = Assert.Single(result.Err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("LicensePortal cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(command, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Out + result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out + result.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(database), "the portal touched its database before checking its keys");
    }

    public void Dispose() => _work.Delete(recursive: true);
}
