using LicensePortal.Data;
using LicensePortal.Services;

namespace LicensePortal.Tests.Services;

/// <summary>
/// A license request by vendor staff (an administrator or support, not the owner) is a read: over every state and request
/// of the lifecycle table, it changes nothing beyond the time rules anyone's request applies, is never counted, and the
/// download limit never refuses it; the customer's same request still does.
/// </summary>
public sealed class StaffDownloadsChangeNoState
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DownloadRules Rules = new(Limit: 5, CoolDown: TimeSpan.FromMinutes(10));

    [Fact]
    public void Over_every_state_and_request_a_staff_request_leaves_the_state_as_the_time_rules_left_it_and_is_not_counted()
    {
        foreach (var state in InstanceLifecycleTable.AllStates())
        {
            foreach (var request in InstanceLifecycleTable.AllRequests())
            {
                var staff = InstanceLifecycle.Download(state, request with { ByStaff = true }, Rules, Now);
                var customer = InstanceLifecycle.Download(state, request, Rules, Now);

                Assert.Equal(staff.AfterTimeRule, staff.State);
                Assert.Equal(customer.AfterTimeRule, staff.AfterTimeRule); // the time rules are the portal's, for anyone
                Assert.False(staff.Counts);
                Assert.True(customer.Counts);
                Assert.NotEqual(InstanceLifecycle.TooManyDownloads, staff.Refusal);
                if (customer.Refusal != InstanceLifecycle.TooManyDownloads)
                {
                    // Apart from the limit, staff get what the customer would: the same refusals, the same issue or re-serve.
                    Assert.Equal((customer.Action, customer.Refusal), (staff.Action, staff.Refusal));
                }
            }
        }
    }

    [Fact]
    public void At_the_limit_the_customer_is_refused_into_downloaderror_and_staff_are_served_with_the_state_unchanged()
    {
        var todownload = new InstanceState(InstanceStatus.TODOWNLOAD, "", Now.AddHours(-1), DateOnly.FromDateTime(Now).AddDays(30), HasHost: true);
        var request = new DownloadRequest(Generate: false, RecentDownloads: 50, HasLicense: true, ContentChanged: false);

        var customer = InstanceLifecycle.Download(todownload, request, Rules, Now);
        var staff = InstanceLifecycle.Download(todownload, request with { ByStaff = true }, Rules, Now);

        Assert.Equal((InstanceStatus.DOWNLOADERROR, InstanceLifecycle.TooManyDownloads), (customer.State.Status, customer.Refusal));
        Assert.Equal((todownload, DownloadAction.Reserve, (string?)null), (staff.State, staff.Action, staff.Refusal));
    }

    [Fact]
    public void An_administrator_may_issue_a_new_revision_which_still_is_not_the_customers_download()
    {
        var todownload = new InstanceState(InstanceStatus.TODOWNLOAD, "", Now.AddHours(-1), DateOnly.FromDateTime(Now).AddDays(30), HasHost: true);

        var staff = InstanceLifecycle.Download(todownload, new DownloadRequest(true, 5, HasLicense: true, ContentChanged: true, ByStaff: true), Rules, Now);

        Assert.Equal((DownloadAction.Issue, false, todownload), (staff.Action, staff.Counts, staff.State));
    }

    [Fact]
    public void A_license_that_cannot_be_made_is_downloaderror_for_the_customer_and_no_change_for_staff()
    {
        var todownload = new InstanceState(InstanceStatus.TODOWNLOAD, "", Now.AddHours(-1), DateOnly.FromDateTime(Now).AddDays(30), HasHost: true);
        var request = new DownloadRequest(true, 0, true, true);

        Assert.Equal(InstanceStatus.DOWNLOADERROR, InstanceLifecycle.IssueFailed(todownload, request, Now).Status);
        Assert.Equal(todownload, InstanceLifecycle.IssueFailed(todownload, request with { ByStaff = true }, Now));
    }
}
