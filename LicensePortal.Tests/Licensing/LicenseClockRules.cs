using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>The clock rules: wound back more than 24 hours behind the trusted time, issued more than 5 minutes ahead.</summary>
public sealed class LicenseClockRules(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private static readonly DateTimeOffset Now = LicensingFixture.Now;

    private static LicenseHighWater Trusted(DateTimeOffset time) => new(time, new Dictionary<string, int>(StringComparer.Ordinal));

    [Fact]
    public void Clock_more_than_24_hours_behind_the_trusted_time_is_wound_back()
    {
        var result = f.Verify(f.Issue(), Now, Trusted(Now.AddHours(24).AddSeconds(1)));

        Assert.Equal(LicenseErrorCode.ClockWoundBack, result.Code);
        Assert.NotNull(result.Content);
    }

    [Fact]
    public void Clock_exactly_24_hours_behind_the_trusted_time_is_accepted()
    {
        Assert.True(f.Verify(f.Issue(), Now, Trusted(Now.AddHours(24))).IsValid);
    }

    [Fact]
    public void Clock_ahead_of_the_trusted_time_is_accepted()
    {
        Assert.True(f.Verify(f.Issue(), Now, Trusted(Now.AddDays(-30))).IsValid);
    }

    [Fact]
    public void Without_a_high_water_mark_the_clock_is_not_judged()
    {
        Assert.True(f.Verify(f.Issue(), Now).IsValid);
    }

    [Fact]
    public void Wind_back_is_measured_in_utc_whatever_the_offsets()
    {
        var trusted = new DateTimeOffset(2026, 11, 29, 20, 0, 1, TimeSpan.FromHours(8)); // 12:00:01 UTC the next day

        Assert.Equal(LicenseErrorCode.ClockWoundBack, f.Verify(f.Issue(), Now, Trusted(trusted)).Code);
        Assert.True(f.Verify(f.Issue(), Now, Trusted(trusted.AddSeconds(-1))).IsValid);
    }

    [Fact]
    public void Wound_back_clock_is_reported_before_issued_in_future_and_expired()
    {
        var clock = Now.AddMinutes(-6);
        var file = f.Issue(f.Content(expires: new DateOnly(2026, 11, 1)));

        Assert.Equal(LicenseErrorCode.IssuedInFuture, f.Verify(file, clock).Code);
        Assert.Equal(LicenseErrorCode.ClockWoundBack, f.Verify(file, clock, Trusted(clock.AddHours(25))).Code);
    }

    [Fact]
    public void Wound_back_clock_is_reported_before_a_rolled_back_revision()
    {
        var mark = new LicenseHighWater(Now.AddDays(3), new Dictionary<string, int>(StringComparer.Ordinal) { ["demo-01"] = 5 });

        Assert.Equal(LicenseErrorCode.ClockWoundBack, f.Verify(f.Issue(), Now, mark).Code);
        Assert.Equal(LicenseErrorCode.OlderThanInstalled, f.Verify(f.Issue(), Now.AddDays(3), mark).Code);
    }

    [Fact]
    public void Issued_more_than_five_minutes_after_now_is_issued_in_future()
    {
        var file = f.Issue(f.Content(issuedAt: Now));

        Assert.Equal(LicenseErrorCode.IssuedInFuture, f.Verify(file, Now.AddMinutes(-5).AddSeconds(-1)).Code);
        Assert.True(f.Verify(file, Now.AddMinutes(-5)).IsValid);
    }

    [Fact]
    public void Certificate_expired_is_reported_before_the_clock_rules()
    {
        var key = LicensingFixture.Certify(f.Root, VendorKey.Generate(), Now.AddDays(-10), Now.AddDays(-1));
        var file = LicensingFixtureForgery.IssueUnchecked(f.Content(), key, f.Host.PublicKey);

        Assert.Equal(LicenseErrorCode.CertificateExpired, f.Verify(file, Now.AddMinutes(-10), Trusted(Now.AddDays(5))).Code);
    }
}
