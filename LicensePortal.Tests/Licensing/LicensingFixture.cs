using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>Shared keys and sample values for licensing tests (real crypto, generated once per class).</summary>
public sealed class LicensingFixture
{
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The vendor root this host trusts.</summary>
    public VendorRootKey Root { get; } = VendorRootKey.Generate();

    /// <summary>Another vendor's root (a second portal), trusted nowhere.</summary>
    public VendorRootKey OtherRoot { get; } = VendorRootKey.Generate();

    /// <summary>A signing key certified by <see cref="Root"/> for a year around <see cref="Now"/>.</summary>
    public CertifiedSigningKey Vendor { get; }

    /// <summary>A signing key certified by <see cref="OtherRoot"/>.</summary>
    public CertifiedSigningKey OtherVendor { get; }

    public LicensingFixture()
    {
        Vendor = Certify(Root, VendorKey.Generate());
        OtherVendor = Certify(OtherRoot, VendorKey.Generate());
    }

    public static CertifiedSigningKey Certify(VendorRootKey root, VendorKey key, DateTimeOffset? from = null, DateTimeOffset? until = null) =>
        new(key, root.Certify(key.PublicKey, from ?? Now.AddDays(-180), until ?? Now.AddDays(180)));

    public HostKey Host { get; } = HostKey.Generate();

    public HostKey OtherHost { get; } = HostKey.Generate();

    public HostIdentity Identity { get; } = new("52:54:00:12:34:56", "VMware-42 1a 2b 3c");

    public VendorRootPublicKey Trusted => Root.PublicKey;

    public LicenseContent Content(int revision = 1, DateOnly? expires = null, DateTimeOffset? issuedAt = null, int maxDesktops = 100) => new()
    {
        MaxDesktops = maxDesktops,
        MaxImages = 20,
        MaxUsers = 150,
        MaxVcpus = 400,
        MaxVmemGib = 1024,
        MaxVdiskGib = 10240,
        ExpiresOn = expires ?? new DateOnly(2027, 12, 31),
        Mac = Identity.Mac,
        SerialNumber = Identity.SerialNumber,
        IssuedAt = issuedAt ?? Now,
        Revision = revision,
        InstanceName = "demo-01",
    };

    public string Issue(LicenseContent? content = null) => LicenseFile.Issue(content ?? Content(), Vendor, Host.PublicKey);

    public LicenseVerificationResult Verify(string file, DateTimeOffset? now = null, LicenseHighWater? highWater = null) =>
        LicenseVerifier.Verify(file, Host, Trusted, Identity, now ?? Now, highWater);
}
