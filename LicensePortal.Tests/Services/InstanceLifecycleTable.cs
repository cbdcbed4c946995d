using LicensePortal.Data;
using LicensePortal.Services;

namespace LicensePortal.Tests.Services;

/// <summary>
/// The seed's five states and every event, exhaustively: each status × expiry passed or not × host on file or not ×
/// changed before or within the cool-down, against each event. Rows for the documented outcomes, and rules that hold
/// over the whole product of inputs.
/// </summary>
public sealed class InstanceLifecycleTable
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DownloadRules Rules = new(Limit: 5, CoolDown: TimeSpan.FromMinutes(10));
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now);

    public static IEnumerable<InstanceState> AllStates()
    {
        foreach (var status in Enum.GetValues<InstanceStatus>())
        {
            foreach (var expires in new[] { Today.AddDays(-1), Today, Today.AddDays(30) })
            {
                foreach (var hasHost in new[] { false, true })
                {
                    foreach (var changed in new[] { Now.AddHours(-1), Now.AddMinutes(-10), Now.AddMinutes(-9) })
                    {
                        yield return new InstanceState(status, status == InstanceStatus.INFOERROR ? "HostInfo.BadCheckCode" : "", changed, expires, hasHost);
                    }
                }
            }
        }
    }

    public static IEnumerable<DownloadRequest> AllRequests()
    {
        foreach (var generate in new[] { false, true })
        {
            foreach (var recent in new[] { 0, 4, 5 })
            {
                foreach (var hasLicense in new[] { false, true })
                {
                    foreach (var changed in new[] { false, true })
                    {
                        yield return new DownloadRequest(generate, recent, hasLicense, changed);
                    }
                }
            }
        }
    }

    private static InstanceState State(InstanceStatus status, DateOnly? expires = null, DateTime? changedAt = null, bool hasHost = true, string reason = "") =>
        new(status, reason, changedAt ?? Now.AddHours(-1), expires ?? Today.AddDays(30), hasHost);

    [Theory]
    [InlineData(InstanceStatus.TOUPLOAD, "License.NoHostInfo")]
    [InlineData(InstanceStatus.INFOERROR, "License.HostInfoInvalid")]
    [InlineData(InstanceStatus.EXPIRED, "License.Expired")]
    public void Only_todownload_serves_a_license_the_other_states_refuse_with_their_reason(InstanceStatus status, string refusal)
    {
        var decision = InstanceLifecycle.Download(State(status), new DownloadRequest(true, 0, true, true), Rules, Now);

        Assert.Equal((DownloadAction.Refuse, refusal, (DateTime?)null, status), (decision.Action, decision.Refusal, decision.RetryAt, decision.State.Status));
    }

    [Fact]
    public void Downloaderror_refuses_until_the_end_of_its_cool_down_and_says_when()
    {
        var since = Now.AddMinutes(-3);
        var decision = InstanceLifecycle.Download(State(InstanceStatus.DOWNLOADERROR, changedAt: since, reason: InstanceLifecycle.TooManyDownloads), new DownloadRequest(true, 0, true, false), Rules, Now);

        Assert.Equal((DownloadAction.Refuse, "License.DownloadError", (DateTime?)since.AddMinutes(10)), (decision.Action, decision.Refusal, decision.RetryAt));
    }

    [Fact]
    public void The_download_over_the_limit_starts_downloaderror_with_a_retry_time_one_cool_down_from_now()
    {
        var decision = InstanceLifecycle.Download(State(InstanceStatus.TODOWNLOAD), new DownloadRequest(true, 5, true, false), Rules, Now);

        Assert.Equal(
            (DownloadAction.Refuse, InstanceLifecycle.TooManyDownloads, (DateTime?)Now.AddMinutes(10), InstanceStatus.DOWNLOADERROR, InstanceLifecycle.TooManyDownloads, Now),
            (decision.Action, decision.Refusal, decision.RetryAt, decision.State.Status, decision.State.Reason, decision.State.ChangedAt));
    }

    [Theory]
    [InlineData(true, false, false, DownloadAction.Issue)]
    [InlineData(true, true, false, DownloadAction.Reserve)]
    [InlineData(true, true, true, DownloadAction.Issue)]
    [InlineData(false, true, false, DownloadAction.Reserve)]
    [InlineData(false, true, true, DownloadAction.Reserve)]
    public void Todownload_issues_a_revision_only_when_generating_something_new(bool generate, bool hasLicense, bool contentChanged, DownloadAction expected)
    {
        var decision = InstanceLifecycle.Download(State(InstanceStatus.TODOWNLOAD), new DownloadRequest(generate, 4, hasLicense, contentChanged), Rules, Now);

        Assert.Equal((expected, (string?)null, InstanceStatus.TODOWNLOAD), (decision.Action, decision.Refusal, decision.State.Status));
    }

    [Fact]
    public void The_latest_license_without_any_issued_is_refused_and_changes_nothing()
    {
        var before = State(InstanceStatus.TODOWNLOAD);

        var decision = InstanceLifecycle.Download(before, new DownloadRequest(false, 0, false, false), Rules, Now);

        Assert.Equal((DownloadAction.Refuse, "License.NoneIssued", before), (decision.Action, decision.Refusal, decision.State));
    }

    [Fact]
    public void The_end_of_a_cool_down_applied_by_a_download_does_not_count_the_downloads_of_the_episode_that_ended()
    {
        var decision = InstanceLifecycle.Download(State(InstanceStatus.DOWNLOADERROR, changedAt: Now.AddMinutes(-10)), new DownloadRequest(true, 5, true, false), Rules, Now);

        Assert.Equal((AutomaticChange.CoolDownEnded, DownloadAction.Reserve, InstanceStatus.TODOWNLOAD), (decision.TimeRule, decision.Action, decision.State.Status));
    }

    [Fact]
    public void Expiry_wins_over_the_end_of_a_cool_down()
    {
        var (state, change) = InstanceLifecycle.ApplyTime(State(InstanceStatus.DOWNLOADERROR, expires: Today.AddDays(-1), changedAt: Now.AddHours(-2)), Now, Rules.CoolDown);

        Assert.Equal((InstanceStatus.EXPIRED, AutomaticChange.Expired), (state.Status, change));
    }

    [Fact]
    public void The_expiry_day_itself_is_still_valid()
    {
        Assert.Equal(AutomaticChange.None, InstanceLifecycle.ApplyTime(State(InstanceStatus.TODOWNLOAD, expires: Today), Now, Rules.CoolDown).Change);
    }

    [Theory]
    [InlineData(true, InstanceStatus.TODOWNLOAD)]
    [InlineData(false, InstanceStatus.TOUPLOAD)]
    public void Moving_the_expiry_out_of_expired_waits_for_what_the_instance_lacks(bool hasHost, InstanceStatus expected)
    {
        var state = InstanceLifecycle.ExpiryChanged(State(InstanceStatus.EXPIRED, expires: Today.AddDays(-3), hasHost: hasHost), Today.AddDays(90), Now);

        Assert.Equal((expected, Today.AddDays(90), Now), (state.Status, state.ExpiresOn, state.ChangedAt));
    }

    [Fact]
    public void Host_info_accepted_past_the_expiry_date_leaves_the_instance_expired_with_the_host_on_file()
    {
        var state = InstanceLifecycle.HostInfoAccepted(State(InstanceStatus.TOUPLOAD, expires: Today.AddDays(-1), hasHost: false), Now);

        Assert.Equal((InstanceStatus.EXPIRED, true), (state.Status, state.HasHost));
    }

    [Fact]
    public void Reset_ends_downloaderror_and_is_refused_in_any_other_state()
    {
        foreach (var state in AllStates())
        {
            var (after, refusal) = InstanceLifecycle.ResetDownloadError(state, Now);
            if (state.Status == InstanceStatus.DOWNLOADERROR)
            {
                Assert.Null(refusal);
                Assert.Equal(state.ExpiresOn < Today ? InstanceStatus.EXPIRED : InstanceStatus.TODOWNLOAD, after.Status);
            }
            else
            {
                Assert.Equal(("License.NotInDownloadError", state), (refusal, after));
            }
        }
    }

    [Fact]
    public void Over_every_state_and_request_a_license_is_served_only_in_todownload_and_never_past_the_expiry_date()
    {
        var cases = 0;
        foreach (var state in AllStates())
        {
            foreach (var request in AllRequests())
            {
                var d = InstanceLifecycle.Download(state, request, Rules, Now);
                cases++;
                if (d.Action != DownloadAction.Refuse)
                {
                    Assert.Equal(InstanceStatus.TODOWNLOAD, d.State.Status);
                    Assert.True(state.ExpiresOn >= Today);
                    Assert.Null(d.Refusal);
                }
                else
                {
                    Assert.NotNull(d.Refusal);
                }
                // A retry time exactly when waiting helps, and it is the end of the cool-down.
                Assert.Equal(d.State.Status == InstanceStatus.DOWNLOADERROR, d.RetryAt is not null);
                if (d.RetryAt is { } at)
                {
                    Assert.Equal(d.State.ChangedAt + Rules.CoolDown, at);
                }
                if (state.ExpiresOn < Today)
                {
                    Assert.Equal(InstanceStatus.EXPIRED, d.State.Status);
                }
                // The time it changed moves exactly when the status does.
                Assert.Equal(d.State.Status != state.Status, d.State.ChangedAt != state.ChangedAt);
            }
        }
        Assert.Equal(90 * 24, cases);
    }

    [Fact]
    public void Over_every_state_the_time_rules_change_only_what_they_name()
    {
        foreach (var state in AllStates())
        {
            var (after, change) = InstanceLifecycle.ApplyTime(state, Now, Rules.CoolDown);
            var expected = state.Status != InstanceStatus.EXPIRED && state.ExpiresOn < Today ? AutomaticChange.Expired
                : state.Status == InstanceStatus.DOWNLOADERROR && state.ChangedAt <= Now - Rules.CoolDown ? AutomaticChange.CoolDownEnded
                : AutomaticChange.None;
            Assert.Equal(expected, change);
            Assert.Equal(change == AutomaticChange.None ? state : state with { Status = after.Status, Reason = "", ChangedAt = Now }, after);
            // Applying them again changes nothing: the sweep and a download never apply the same change twice.
            Assert.Equal(AutomaticChange.None, InstanceLifecycle.ApplyTime(after, Now, Rules.CoolDown).Change);
        }
    }

    [Fact]
    public void A_new_instance_waits_for_its_host_info_and_quota_or_host_events_keep_the_expiry_date()
    {
        var created = InstanceLifecycle.Created(Today.AddDays(30), Now);
        var accepted = InstanceLifecycle.HostInfoAccepted(created, Now);
        var rejected = InstanceLifecycle.HostInfoRejected(accepted, "HostInfo.OtherInstance", Now.AddMinutes(1));

        Assert.Equal((InstanceStatus.TOUPLOAD, false), (created.Status, created.HasHost));
        Assert.Equal((InstanceStatus.TODOWNLOAD, true), (accepted.Status, accepted.HasHost));
        Assert.Equal((InstanceStatus.INFOERROR, "HostInfo.OtherInstance", Now.AddMinutes(1), true), (rejected.Status, rejected.Reason, rejected.ChangedAt, rejected.HasHost));
        Assert.All(new[] { created, accepted, rejected }, s => Assert.Equal(Today.AddDays(30), s.ExpiresOn));
    }

    [Theory]
    [InlineData(false, false, 0, HostInfoBinding.Bind)]
    [InlineData(true, true, 0, HostInfoBinding.Bind)]
    [InlineData(true, false, 0, HostInfoBinding.HoldForApproval)]
    [InlineData(true, false, 1, HostInfoBinding.AutomaticRebind)]
    public void A_valid_host_info_file_binds_the_first_host_and_the_same_host_key_and_holds_another_for_approval(bool hasHost, bool sameKey, int allowed, HostInfoBinding expected)
    {
        var before = State(InstanceStatus.TODOWNLOAD, hasHost: hasHost);

        var (after, binding) = InstanceLifecycle.HostInfoValid(before, new HostUpload(sameKey, []), allowed, Now);

        Assert.Equal(expected, binding);
        Assert.Equal(binding == HostInfoBinding.HoldForApproval ? before : InstanceLifecycle.HostInfoAccepted(before, Now), after);
    }

    [Theory]
    [InlineData(1, new[] { 10 }, HostInfoBinding.HoldForApproval)]
    [InlineData(1, new[] { 30 }, HostInfoBinding.AutomaticRebind)]
    [InlineData(1, new[] { 31, 45 }, HostInfoBinding.AutomaticRebind)]
    [InlineData(2, new[] { 1 }, HostInfoBinding.AutomaticRebind)]
    [InlineData(2, new[] { 1, 29 }, HostInfoBinding.HoldForApproval)]
    public void Automatic_rebinds_are_counted_over_the_last_30_days(int allowed, int[] daysAgo, HostInfoBinding expected)
    {
        var rebinds = daysAgo.Select(d => Now.AddDays(-d)).ToList();

        var (_, binding) = InstanceLifecycle.HostInfoValid(State(InstanceStatus.TODOWNLOAD), new HostUpload(false, rebinds), allowed, Now);

        Assert.Equal(expected, binding);
    }

    [Fact]
    public void Over_every_state_a_rebind_request_changes_nothing_and_binding_or_approving_is_as_host_info_accepted()
    {
        foreach (var state in AllStates())
        {
            foreach (var (sameKey, allowed) in new[] { (false, 0), (true, 0), (false, 1) })
            {
                var (after, binding) = InstanceLifecycle.HostInfoValid(state, new HostUpload(sameKey, []), allowed, Now);
                var held = state.HasHost && !sameKey && allowed == 0;
                Assert.Equal(held ? HostInfoBinding.HoldForApproval : !state.HasHost || sameKey ? HostInfoBinding.Bind : HostInfoBinding.AutomaticRebind, binding);
                Assert.Equal(held ? state : InstanceLifecycle.HostInfoAccepted(state, Now), after);
                // A rebind request is shown with the state: never a state of its own, never a new reason.
                Assert.Contains(after.Status, Enum.GetValues<InstanceStatus>());
            }
            Assert.Equal(InstanceLifecycle.HostInfoAccepted(state, Now), InstanceLifecycle.RebindApproved(state, Now));
        }
    }
}
