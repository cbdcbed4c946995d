using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>The high-water rule: the highest revision ever installed, per instance, and the latest trusted time.</summary>
public sealed class LicenseRevisionOrder(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private static LicenseHighWater Installed(string instance, int revision, DateTimeOffset? trusted = null) =>
        new(trusted ?? LicensingFixture.Now, new Dictionary<string, int>(StringComparer.Ordinal) { [instance] = revision });

    [Fact]
    public void Lower_revision_than_installed_is_refused()
    {
        var result = f.Verify(f.Issue(f.Content(revision: 2)), highWater: Installed("demo-01", 3));

        Assert.Equal(LicenseErrorCode.OlderThanInstalled, result.Code);
        Assert.NotNull(result.Content);
    }

    [Fact]
    public void Higher_revision_than_installed_is_accepted()
    {
        Assert.True(f.Verify(f.Issue(f.Content(revision: 4)), highWater: Installed("demo-01", 3)).IsValid);
    }

    [Fact]
    public void Same_revision_as_installed_is_accepted_again()
    {
        Assert.True(f.Verify(f.Issue(f.Content(revision: 3)), highWater: Installed("demo-01", 3)).IsValid);
    }

    [Fact]
    public void Revisions_are_counted_per_instance()
    {
        var otherInstanceHigh = Installed("demo-02", 9);

        Assert.True(f.Verify(f.Issue(f.Content(revision: 1)), highWater: otherInstanceHigh).IsValid);
        Assert.Equal(LicenseErrorCode.OlderThanInstalled, f.Verify(f.Issue(f.Content(revision: 1) with { InstanceName = "demo-02" }), highWater: otherInstanceHigh).Code);
    }

    [Fact]
    public void Rolled_back_revision_after_a_newer_one_was_installed_is_refused()
    {
        var older = f.Issue(f.Content(revision: 1));
        var newer = f.Issue(f.Content(revision: 2, issuedAt: LicensingFixture.Now.AddHours(1)));
        var now = LicensingFixture.Now.AddHours(2);
        var empty = new LicenseHighWater(LicensingFixture.Now.AddYears(-1), new Dictionary<string, int>(StringComparer.Ordinal));
        var first = f.Verify(older, now, empty);
        Assert.True(first.IsValid, first.Message);
        var mark = empty.Raise(first.Content!, now);
        var second = f.Verify(newer, now, mark);
        Assert.True(second.IsValid, second.Message);
        mark = mark.Raise(second.Content!, now);

        Assert.Equal(2, mark.RevisionOf("demo-01"));
        Assert.Equal(LicenseErrorCode.OlderThanInstalled, f.Verify(older, now, mark).Code);
    }

    [Fact]
    public void First_install_with_the_empty_mark_accepts_a_valid_license()
    {
        // LicenseHighWater.None holds DateTimeOffset.MinValue as its trusted time: the wind-back check must not overflow.
        var result = f.Verify(f.Issue(), highWater: LicenseHighWater.None);

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Raise_never_lowers_the_mark()
    {
        var mark = Installed("demo-01", 5, LicensingFixture.Now.AddDays(3));

        var raised = mark.Raise(f.Content(revision: 2, issuedAt: LicensingFixture.Now), LicensingFixture.Now);

        Assert.Equal(5, raised.RevisionOf("demo-01"));
        Assert.Equal(LicensingFixture.Now.AddDays(3), raised.TrustedTime);
        Assert.Equal(LicensingFixture.Now.AddDays(3), raised.Raise(LicensingFixture.Now).TrustedTime);
        Assert.Equal(LicensingFixture.Now.AddDays(4), raised.Raise(LicensingFixture.Now.AddDays(4)).TrustedTime);
    }

    [Fact]
    public void Trusted_time_is_the_newest_of_the_clock_reading_and_the_issue_time()
    {
        var issuedLater = f.Content(issuedAt: LicensingFixture.Now.AddMinutes(4));

        Assert.Equal(LicensingFixture.Now.AddMinutes(4), LicenseHighWater.None.Raise(issuedLater, LicensingFixture.Now).TrustedTime);
        Assert.Equal(LicensingFixture.Now.AddDays(1), LicenseHighWater.None.Raise(issuedLater, LicensingFixture.Now.AddDays(1)).TrustedTime);
        Assert.Equal(0, LicenseHighWater.None.RevisionOf("demo-01"));
    }
}
