using LicensePortal.Components.Shared;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;

namespace LicensePortal.Components.Pages.Support;

/// <summary>
/// The support desk: every instance, most recently changed first, counts per state, and a highlight on rows that
/// changed while the page was open; or, filtered by "not seen for N days", the hosts that stopped checking in, the
/// longest silent first. Read-only; refreshes itself on every change it may see.
/// </summary>
public sealed partial class SupportDeskPage
{
    private const int PageSize = 25;
    private static readonly TimeSpan HighlightFor = TimeSpan.FromSeconds(10);

    [Inject] private DashboardService Dashboard { get; set; } = default!;
    [Inject] private InstanceChangeNotifier Notifier { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<LicensePortal.Options.LicensingOptions> Licensing { get; set; } = default!;

    private PortalActor? _actor;
    private IReadOnlyDictionary<InstanceStatus, int>? _counts;
    private Page<InstanceRow>? _page;
    private InstanceStatus? _status;
    private string _namePrefix = "";
    private int? _notSeenForDays;
    private int _pageIndex;
    private readonly Dictionary<int, DateTimeOffset> _changedAt = [];
    private IDisposable? _subscription;
    private LiveRefresh? _refresh;

    protected override async Task OnInitializedAsync()
    {
        _actor = await GetActorAsync();
        await LoadAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _refresh = new LiveRefresh(InvokeAsync, async () => { await LoadAsync(); StateHasChanged(); }, DispatchExceptionAsync);
            _subscription = Notifier.Subscribe(_actor!, OnInstanceChangedAsync);
        }
    }

    private Task OnInstanceChangedAsync(InstanceChange change)
    {
        lock (_changedAt)
        {
            _changedAt[change.InstanceId] = Time.GetUtcNow();
        }
        return _refresh!.TriggerAsync();
    }

    public void Dispose() => _subscription?.Dispose();

    private async Task LoadAsync()
    {
        _counts = await Dashboard.CountByStatusAsync(_actor!);
        _page = _notSeenForDays is { } days
            ? await Dashboard.NotSeenAsync(_actor!, days, _status, _namePrefix, _pageIndex, PageSize)
            : await Dashboard.RecentlyChangedAsync(_actor!, _status, _namePrefix, _pageIndex, PageSize);
    }

    private async Task NotSeenChangedAsync(int? days)
    {
        _notSeenForDays = days;
        _pageIndex = 0;
        await LoadAsync();
    }

    /// <summary>The revision and agent version the host reported at its last check-in, as the cell's tooltip.</summary>
    private string? LastSeenDetail(InstanceRow row) => row.LastSeenAt is null ? null
        : row.LastSeenRevision is { } revision ? Text["CheckIn.RevisionAndAgent", revision, row.LastSeenAgentVersion].Value
        : Text["CheckIn.NoLicenseAndAgent", row.LastSeenAgentVersion].Value;

    private async Task StatusChangedAsync(InstanceStatus? status)
    {
        _status = status;
        _pageIndex = 0;
        await LoadAsync();
    }

    private async Task NameChangedAsync(string prefix)
    {
        _namePrefix = prefix ?? "";
        _pageIndex = 0;
        await LoadAsync();
    }

    private async Task PageChangedAsync(int page)
    {
        _pageIndex = page - 1;
        await LoadAsync();
    }

    private string RowClass(InstanceRow row, int index)
    {
        lock (_changedAt)
        {
            return _changedAt.TryGetValue(row.Id, out var at) && Time.GetUtcNow() - at < HighlightFor ? "just-changed" : "";
        }
    }
}
