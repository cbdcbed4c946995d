using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class LicenseRevisionOrder(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    [Fact]
    public void Lower_revision_than_installed_is_refused()
    {
        var installed = f.Content(revision: 3);

        var result = f.Verify(f.Issue(f.Content(revision: 2)), installed: installed);

        Assert.Equal(LicenseErrorCode.OlderThanInstalled, result.Code);
    }

    [Fact]
    public void Higher_revision_than_installed_is_accepted()
    {
        Assert.True(f.Verify(f.Issue(f.Content(revision: 4)), installed: f.Content(revision: 3)).IsValid);
    }

    [Fact]
    public void Same_license_as_installed_is_accepted_again()
    {
        var content = f.Content(revision: 3);
        var installed = content with { VendorKeyId = f.Vendor.KeyId, HostKeyFingerprint = f.Host.Fingerprint };

        Assert.True(f.Verify(f.Issue(content), installed: installed).IsValid);
    }

    [Fact]
    public void Same_revision_with_different_content_issued_earlier_is_refused()
    {
        var installed = f.Content(revision: 3) with { VendorKeyId = f.Vendor.KeyId, HostKeyFingerprint = f.Host.Fingerprint };
        var older = f.Content(revision: 3, issuedAt: LicensingFixture.Now.AddHours(-1), maxDesktops: 500);

        Assert.Equal(LicenseErrorCode.OlderThanInstalled, f.Verify(f.Issue(older), installed: installed).Code);
    }

    [Fact]
    public void Same_revision_with_different_content_issued_later_is_accepted()
    {
        var installed = f.Content(revision: 3, issuedAt: LicensingFixture.Now.AddHours(-1)) with { VendorKeyId = f.Vendor.KeyId, HostKeyFingerprint = f.Host.Fingerprint };

        Assert.True(f.Verify(f.Issue(f.Content(revision: 3, maxDesktops: 500)), installed: installed).IsValid);
    }
}
