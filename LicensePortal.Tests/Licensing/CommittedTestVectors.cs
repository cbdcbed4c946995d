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
        var dir = VectorDir();

        Assert.Equal(TestVectorSet.Vendor.KeyId, VendorKey.ImportPrivate(File.ReadAllText(Path.Combine(dir, "vendor.key"))).KeyId);
        Assert.Equal(TestVectorSet.Vendor.KeyId, VendorPublicKey.Import(File.ReadAllText(Path.Combine(dir, "vendor.pub"))).KeyId);
        Assert.Equal(TestVectorSet.Host.Fingerprint, HostKey.ImportPrivate(File.ReadAllText(Path.Combine(dir, "host.key"))).Fingerprint);
        Assert.Equal(TestVectorSet.Host.Fingerprint, HostInfoFile.Parse(File.ReadAllBytes(Path.Combine(dir, "hostinfo.txt"))).HostKeyFingerprint);
    }

    [Fact]
    public void Every_host_info_case_gives_its_expected_result()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(VectorDir(), "vectors.json")));
        var cases = doc.RootElement.GetProperty("hostInfoCases").EnumerateArray().ToList();
        Assert.NotEmpty(cases);
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
    public void Every_license_case_gives_its_expected_result()
    {
        var dir = VectorDir();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "vectors.json")));
        var host = HostKey.ImportPrivate(File.ReadAllText(Path.Combine(dir, "host.key")));
        var vendor = VendorPublicKey.Import(File.ReadAllText(Path.Combine(dir, "vendor.pub")));
        var cases = doc.RootElement.GetProperty("licenseCases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 15);
        foreach (var c in cases)
        {
            var name = c.GetProperty("name").GetString();
            var identity = new HostIdentity(c.GetProperty("expectedMac").GetString()!, c.GetProperty("expectedSerial").GetString()!);
            var installed = c.TryGetProperty("installedRevision", out var rev) ? TestVectorSet.Content(rev.GetInt32()) : null;
            var now = TestVectorSet.ParseTime(c.GetProperty("now").GetString()!);

            var result = LicenseVerifier.Verify(c.GetProperty("text").GetString()!, host, [vendor], identity, now, installed);

            Assert.True(c.GetProperty("expected").GetString() == result.Code.ToString(), $"{name}: expected {c.GetProperty("expected").GetString()}, got {result.Code} ({result.Message})");
        }
    }

    [Fact]
    public void Committed_license_decrypts_to_the_committed_plaintext()
    {
        var dir = VectorDir();
        var result = LicenseVerifier.Verify(
            File.ReadAllText(Path.Combine(dir, "license.lic")),
            HostKey.ImportPrivate(File.ReadAllText(Path.Combine(dir, "host.key"))),
            [VendorPublicKey.Import(File.ReadAllText(Path.Combine(dir, "vendor.pub")))],
            new HostIdentity(TestVectorSet.Mac, TestVectorSet.Serial),
            TestVectorSet.Created);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "license-plaintext.txt")), result.Content!.ToText());
    }
}
