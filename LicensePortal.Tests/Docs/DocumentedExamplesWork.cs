using Contoso.Vdi.Licensing;
using LicensePortal.Licensing;
using LicensePortal.Tests.Agent;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Docs;

public sealed class DocumentedExamplesWork : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lp-docs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Between(string text, string begin, string end)
    {
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && stop > start, $"markers {begin} / {end} not found");
        return text[(start + begin.Length)..stop].Trim('\n');
    }

    [Fact]
    public void The_embedding_document_shows_exactly_the_example_that_compiles_here()
    {
        var root = PortalProcess.RepositoryRoot();
        var source = File.ReadAllText(Path.Combine(root, "LicensePortal.Tests", "Docs", "ProductEmbeddingExample.cs"));
        var document = File.ReadAllText(Path.Combine(root, "docs", "embedding-the-verifier.md"));

        Assert.Equal(Between(source, "// example: begin", "// example: end"), Between(document, "```csharp", "```"));
    }

    [Fact]
    public void The_example_accepts_a_license_of_its_root_and_refuses_one_of_another_root()
    {
        var root = VendorRootKey.ImportPrivate(File.ReadAllText(Path.Combine(ReleaseAgentBuild.TestRootDirectory, "vendor-root.key")));
        var host = HostKey.Generate();
        var hostKeyFile = Path.Combine(_dir, "host.key");
        File.WriteAllText(hostKeyFile, host.ExportPrivate());
        var identity = new HostIdentity("52:54:00:12:34:56", "machine-id:0123456789abcdef0123456789abcdef");
        var usage = new QuotaUsage(Desktops: 11, Images: 1, Users: 1, Vcpus: 1, VmemGib: 1, VdiskGib: 1);

        var within = ProductLicense.Check(Issue(root, host, identity, "ok.lic"), hostKeyFile, identity, LicenseHighWater.None, usage);
        var foreign = Assert.Throws<InvalidOperationException>(() =>
            ProductLicense.Check(Issue(VendorRootKey.Generate(), host, identity, "foreign.lic"), hostKeyFile, identity, LicenseHighWater.None, usage));

        Assert.Equal([QuotaKind.Desktops], within.Exceeded.Select(v => v.Kind));
        Assert.Contains("UnknownRootKey", foreign.Message, StringComparison.Ordinal);
    }

    private string Issue(VendorRootKey root, HostKey host, HostIdentity identity, string name)
    {
        var key = VendorKey.Generate();
        var now = DateTimeOffset.UtcNow;
        var signer = new CertifiedSigningKey(key, root.Certify(key.PublicKey, now.AddDays(-1), now.AddDays(30)));
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, LicenseFile.Issue(new LicenseContent
        {
            MaxDesktops = 10, MaxImages = 10, MaxUsers = 10, MaxVcpus = 10, MaxVmemGib = 10, MaxVdiskGib = 10,
            ExpiresOn = DateOnly.FromDateTime(now.UtcDateTime).AddDays(30), Mac = identity.Mac, SerialNumber = identity.SerialNumber,
            IssuedAt = now.AddMinutes(-1), Revision = 1, InstanceName = "demo-01",
        }, signer, host.PublicKey));
        return path;
    }
}
