using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class CommittedTestVectors
{
    /// <summary>docs/test-vectors, found by walking up from the test binaries to the solution folder.</summary>
    private static string VectorDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LicensePortal.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var path = Path.Combine(dir.FullName, "docs", "test-vectors");

        // Regenerate deliberately with LICENSEPORTAL_WRITE_TEST_VECTORS=1 after a format change; the assertions still run.
        if (Environment.GetEnvironmentVariable("LICENSEPORTAL_WRITE_TEST_VECTORS") == "1")
        {
            Directory.CreateDirectory(path);
            foreach (var (name, content) in TestVectorSet.Files())
            {
                File.WriteAllText(Path.Combine(path, name), content, new UTF8Encoding(false));
            }
        }

        return path;
    }

    private static JsonDocument Vectors() => JsonDocument.Parse(File.ReadAllText(Path.Combine(VectorDir(), "vectors.json")));

    private static string Read(string name) => File.ReadAllText(Path.Combine(VectorDir(), name));

    public static TheoryData<string> FileNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in TestVectorSet.Files().Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FileNames))]
    public void Fixed_randomness_reproduces_the_committed_file_byte_for_byte(string name)
    {
        var committed = File.ReadAllBytes(Path.Combine(VectorDir(), name));

        Assert.Equal(Encoding.UTF8.GetBytes(TestVectorSet.Files()[name]), committed);
    }

    [Fact]
    public void Committed_key_files_import_to_the_fixed_keys()
    {
        Assert.Equal(TestVectorSet.Root.KeyId, VendorRootKey.ImportPrivate(Read("root.key")).KeyId);
        Assert.Equal(TestVectorSet.Root.PublicKey, VendorRootPublicKey.Import(Read("root.pub")));
        Assert.Equal(TestVectorSet.Vendor.KeyId, VendorKey.ImportPrivate(Read("vendor.key")).KeyId);
        Assert.Equal(TestVectorSet.Vendor.KeyId, VendorPublicKey.Import(Read("vendor.pub")).KeyId);
        var certificate = SigningKeyCertificate.Import(Read("vendor.cert"));
        Assert.True(certificate.IsSignedBy(VendorRootPublicKey.Import(Read("root.pub"))));
        Assert.Equal(TestVectorSet.Vendor.PublicKey, certificate.SigningKey);
        Assert.Equal(TestVectorSet.ValidFrom, certificate.ValidFrom);
        Assert.Equal(TestVectorSet.ValidUntil, certificate.ValidUntil);
        Assert.Equal(TestVectorSet.Host.Fingerprint, HostKey.ImportPrivate(Read("host.key")).Fingerprint);
        Assert.Equal(TestVectorSet.Host.Fingerprint, HostInfoFile.Parse(File.ReadAllBytes(Path.Combine(VectorDir(), "hostinfo.txt"))).HostKeyFingerprint);
    }

    [Fact]
    public void Hkdf_info_is_156_bytes()
    {
        using var doc = Vectors();
        var derived = doc.RootElement.GetProperty("derived");

        Assert.Equal(156, derived.GetProperty("hkdfInfoLength").GetInt32());
        Assert.Equal(156, Convert.FromHexString(derived.GetProperty("hkdfInfoHex").GetString()!).Length);
    }

    [Fact]
    public void Every_signature_case_gives_its_expected_result()
    {
        using var doc = Vectors();
        var cases = doc.RootElement.GetProperty("signatureCases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 8);
        foreach (var c in cases)
        {
            var pub = Convert.FromHexString(c.GetProperty("publicKeyHex").GetString()!);
            var message = Convert.FromHexString(c.GetProperty("messageHex").GetString()!);
            var signature = Convert.FromHexString(c.GetProperty("signatureHex").GetString()!);

            var actual = Primitives.IsValidEd25519PublicKey(pub) && Primitives.Ed25519Verify(pub, [], message, signature);

            Assert.True(c.GetProperty("valid").GetBoolean() == actual, $"{c.GetProperty("name").GetString()}: expected {c.GetProperty("valid").GetBoolean()}, got {actual}");
        }
    }

    [Fact]
    public void Every_host_info_case_gives_its_expected_result()
    {
        using var doc = Vectors();
        var cases = doc.RootElement.GetProperty("hostInfoCases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 30);
        foreach (var c in cases)
        {
            var name = c.GetProperty("name").GetString();
            var expected = c.GetProperty("expected").GetString();
            string actual;
            try
            {
                HostInfoFile.Parse(Encoding.UTF8.GetBytes(c.GetProperty("text").GetString()!));
                actual = "Ok";
            }
            catch (HostInfoException ex)
            {
                actual = ex.Code.ToString();
            }

            Assert.True(expected == actual, $"{name}: expected {expected}, got {actual}");
        }
    }

    [Fact]
    public void Every_key_file_case_gives_its_expected_result()
    {
        using var doc = Vectors();
        var root = VendorRootPublicKey.Import(Read("root.pub"));
        var cases = doc.RootElement.GetProperty("keyFileCases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 25);
        foreach (var c in cases)
        {
            var text = c.GetProperty("text").GetString()!;
            string actual;
            try
            {
                actual = c.GetProperty("kind").GetString() switch
                {
                    "rootPublicKey" => VendorRootPublicKey.Import(text) is not null ? "Ok" : "null",
                    "certificate" => SigningKeyCertificate.Import(text).IsSignedBy(root) ? "Ok" : "NotSignedByRoot",
                    var kind => throw new InvalidOperationException($"unknown kind {kind}"),
                };
            }
            catch (KeyFileException ex)
            {
                actual = ex.Code.ToString();
            }

            Assert.True(c.GetProperty("expected").GetString() == actual, $"{c.GetProperty("name").GetString()}: expected {c.GetProperty("expected").GetString()}, got {actual}");
        }
    }

    [Fact]
    public void Every_license_case_gives_its_expected_result()
    {
        using var doc = Vectors();
        var host = HostKey.ImportPrivate(Read("host.key"));
        var root = VendorRootPublicKey.Import(Read("root.pub"));
        var cases = doc.RootElement.GetProperty("licenseCases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 50);
        foreach (var c in cases)
        {
            var name = c.GetProperty("name").GetString();
            var identity = new HostIdentity(c.GetProperty("expectedMac").GetString()!, c.GetProperty("expectedSerial").GetString()!, Identifiers(c));
            var now = TestVectorSet.ParseTime(c.GetProperty("now").GetString()!);

            var result = LicenseVerifier.Verify(c.GetProperty("text").GetString()!, host, root, identity, now, TestVectorSet.HighWater(c));

            Assert.True(c.GetProperty("expected").GetString() == result.Code.ToString(), $"{name}: expected {c.GetProperty("expected").GetString()}, got {result.Code} ({result.Message})");
        }
    }

    /// <summary>The identifiers a license case's host presents (<c>expectedIdentifiers</c>, canonical <c>kind value</c> text).</summary>
    private static List<HostIdentifier> Identifiers(JsonElement c) =>
        [.. c.GetProperty("expectedIdentifiers").EnumerateArray().Select(e => HostIdentifier.TryParse(e.GetString(), out var id) ? id : throw new InvalidOperationException($"'{e.GetString()}' is not a host identifier"))];

    [Fact]
    public void Committed_host_info_and_license_carry_the_vector_hosts_five_identifiers()
    {
        var hostInfo = HostInfoFile.Parse(File.ReadAllBytes(Path.Combine(VectorDir(), "hostinfo.txt")));
        Assert.Equal(TestVectorSet.HostIdentifiers, hostInfo.Identifiers);
        Assert.Equal(TestVectorSet.HostIds, Read("license-plaintext.txt").Split('\n').Where(l => l.StartsWith("host-id: ", StringComparison.Ordinal)).Select(l => l["host-id: ".Length..]));
        Assert.Contains("\nhost-match: 4\n", Read("license-plaintext.txt"), StringComparison.Ordinal);
    }

    [Fact]
    public void Vectors_cover_every_license_reason_code()
    {
        using var doc = Vectors();
        var expected = doc.RootElement.GetProperty("licenseCases").EnumerateArray().Select(c => c.GetProperty("expected").GetString()).ToHashSet();

        // TooLarge and NotText cannot be written into JSON text sensibly (64 KiB, invalid UTF-8); every other code is there.
        var missing = Enum.GetNames<LicenseErrorCode>().Where(n => n is not (nameof(LicenseErrorCode.TooLarge) or nameof(LicenseErrorCode.NotText)) && !expected.Contains(n)).ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Committed_license_decrypts_to_the_committed_plaintext()
    {
        var result = LicenseVerifier.Verify(
            Read("license.lic"),
            HostKey.ImportPrivate(Read("host.key")),
            VendorRootPublicKey.Import(Read("root.pub")),
            new HostIdentity(TestVectorSet.Mac, TestVectorSet.Serial, TestVectorSet.HostIdentifiers),
            TestVectorSet.Created);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Read("license-plaintext.txt"), result.Content!.ToText());
        Assert.EndsWith(Read("vendor.cert"), Read("license.lic"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The independent Python implementation (docs/test-vectors/verify_vectors.py, Debian package python3-cryptography)
    /// must agree with every committed case. Debian's /usr/bin/python3 is preferred over whatever python3 is on PATH.
    /// </summary>
    [Fact]
    public async Task Independent_python_checker_agrees_with_every_vector()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = VectorDir(),
        };
        start.ArgumentList.Add(Path.Combine(VectorDir(), "verify_vectors.py"));
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"python3 is needed to run docs/test-vectors/verify_vectors.py (apt-get install python3-cryptography): {ex.Message}");
            return;
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout + await stderr;

            Assert.True(process.ExitCode == 0, $"verify_vectors.py exited with {process.ExitCode}:\n{output}");
            Assert.Matches(@"(\d+)/\1 checks passed", output);
            Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        }
    }
}
