using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

public sealed class QuotaCheckReports(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private static readonly QuotaUsage WithinLimits = new(100, 20, 150, 400, 1024, 10240);

    [Fact]
    public void Usage_equal_to_every_quota_is_within_the_license()
    {
        var result = QuotaCheck.Check(f.Content(), WithinLimits, LicensingFixture.Now);

        Assert.True(result.IsWithinLicense);
        Assert.Empty(result.Exceeded);
        Assert.False(result.Expired);
        Assert.Null(result.ExpiredMessage);
    }

    public static TheoryData<QuotaKind, QuotaUsage, string> EachQuota => new()
    {
        { QuotaKind.Desktops, WithinLimits with { Desktops = 101 }, "concurrent desktops: 101 used, 100 allowed" },
        { QuotaKind.Images, WithinLimits with { Images = 21 }, "images: 21 used, 20 allowed" },
        { QuotaKind.Users, WithinLimits with { Users = 151 }, "concurrent users: 151 used, 150 allowed" },
        { QuotaKind.Vcpus, WithinLimits with { Vcpus = 401 }, "virtual CPUs: 401 used, 400 allowed" },
        { QuotaKind.VmemGib, WithinLimits with { VmemGib = 1025 }, "virtual memory (GiB): 1025 used, 1024 allowed" },
        { QuotaKind.VdiskGib, WithinLimits with { VdiskGib = 10241 }, "virtual disk (GiB): 10241 used, 10240 allowed" },
    };

    [Theory]
    [MemberData(nameof(EachQuota))]
    public void Each_exceeded_quota_is_reported_with_used_and_allowed(QuotaKind kind, QuotaUsage usage, string message)
    {
        var result = QuotaCheck.Check(f.Content(), usage, LicensingFixture.Now);

        var violation = Assert.Single(result.Exceeded);
        Assert.Equal(kind, violation.Kind);
        Assert.Contains(message, violation.Message, StringComparison.Ordinal);
        Assert.False(result.IsWithinLicense);
    }

    [Fact]
    public void Several_exceeded_quotas_are_all_reported_in_seed_order()
    {
        var usage = new QuotaUsage(999, 0, 999, 0, 0, 99999);

        var result = QuotaCheck.Check(f.Content(), usage, LicensingFixture.Now);

        Assert.Equal([QuotaKind.Desktops, QuotaKind.Users, QuotaKind.VdiskGib], result.Exceeded.Select(v => v.Kind));
    }

    [Fact]
    public void Expired_license_is_flagged_with_its_date()
    {
        var result = QuotaCheck.Check(f.Content(expires: new DateOnly(2026, 11, 27)), WithinLimits, LicensingFixture.Now);

        Assert.True(result.Expired);
        Assert.Contains("2026-11-27", result.ExpiredMessage, StringComparison.Ordinal);
        Assert.False(result.IsWithinLicense);
    }
}
