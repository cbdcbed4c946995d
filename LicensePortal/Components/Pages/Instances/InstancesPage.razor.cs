using System.Globalization;
using System.Linq.Expressions;
using LicensePortal.Components.Shared;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// The seed's /instances: administrators edit quotas and expiry in place (each cell saves on change, with the row's version); everyone else reads. The grid refreshes
/// itself when any instance it may show changes elsewhere.
/// </summary>
public sealed partial class InstancesPage
{
    [Inject] private InstanceService Instances { get; set; } = default!;
    [Inject] private InstanceChangeNotifier Notifier { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private MudDataGrid<InstanceRow> _grid = default!;
    private HashSet<InstanceRow> _selected = [];
    private InstanceStatus? _status;
    private string _owner = "";
    private string _namePrefix = "";
    private bool _isAdmin;
    private bool _seesEverything;
    private PortalActor? _actor;
    private InstanceRow? _conflict;
    private IDisposable? _subscription;
    private bool _totalCapped;

    /// <summary>
    /// The rows shown, by id. MudDataGrid keys its rows by item, so a reload that returned new objects made it throw away
    /// and rebuild every row (components, DOM, browser-side JS) of every open grid on every live refresh; rows read again
    /// keep their object and change in place.
    /// </summary>
    private Dictionary<int, InstanceRow> _rows = [];

    /// <summary>The query of the rows shown and the total it found, for <see cref="RefreshAsync"/>.</summary>
    private InstanceQuery? _shownQuery;
    private int _shownTotal;
    private int[] _shownIds = [];

    /// <summary>The pager text in the UI language, or "more than N" when the service stopped counting at its cap.</summary>
    private string PagerInfoFormat => Text[_totalCapped ? "Grid.PagerInfoCapped" : "Grid.PagerInfo"];

    protected override async Task OnInitializedAsync()
    {
        _actor = await GetActorAsync();
        _isAdmin = _actor.IsAdministrator;
        _seesEverything = _actor.SeesEverything;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        // Subscribe only once interactive (never during prerender), and hand every callback back to this circuit.
        var refresh = new LiveRefresh(InvokeAsync, RefreshAsync, DispatchExceptionAsync);
        _subscription = Notifier.Subscribe(_actor!, _ => refresh.TriggerAsync());
        if (_isAdmin && Navigation.Uri.EndsWith("/add_instance", StringComparison.OrdinalIgnoreCase))
        {
            await CreateAsync();
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private async Task<GridData<InstanceRow>> LoadAsync(GridState<InstanceRow> state, CancellationToken cancellationToken)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var sortBy = sort?.SortBy switch
        {
            nameof(InstanceRow.Status) => InstanceSort.Status,
            nameof(InstanceRow.ExpiresOn) => InstanceSort.ExpiresOn,
            nameof(InstanceRow.DownloadCount) => InstanceSort.DownloadCount,
            _ => InstanceSort.Name,
        };
        var query = new InstanceQuery(state.Page, state.PageSize, _status, _owner, _namePrefix, sortBy, sort?.Descending ?? false);
        var page = await Instances.ListAsync(_actor ?? await GetActorAsync(), query, cancellationToken);
        if (_totalCapped != page.TotalCapped)
        {
            _totalCapped = page.TotalCapped;
            StateHasChanged();
        }
        var items = page.Items.Select(fresh =>
        {
            if (_rows.TryGetValue(fresh.Id, out var shown))
            {
                shown.CopyFrom(fresh);
                return shown;
            }
            return fresh;
        }).ToList();
        _rows = items.ToDictionary(i => i.Id);
        (_shownQuery, _shownTotal, _shownIds) = (query, page.TotalCount, items.Select(i => i.Id).ToArray());
        return new GridData<InstanceRow> { Items = items, TotalItems = page.TotalCount };
    }

    /// <summary>
    /// A live refresh: reads the shown page again; if it holds the same rows in the same order and the same total, the
    /// rows take their new values in place and the page renders once. Only otherwise does the grid reload, which renders
    /// it twice around a loading bar: on every open page, for every change anywhere, that was most of the work.
    /// </summary>
    private async Task RefreshAsync()
    {
        var query = _shownQuery;
        if (query is null)
        {
            await _grid.ReloadServerData();
            return;
        }
        var page = await Instances.ListAsync(_actor ?? await GetActorAsync(), query);
        // The grid may have loaded another page, sort or filter meanwhile (query is then not the shown one).
        var sameRows = query == _shownQuery && page.TotalCount == _shownTotal && page.TotalCapped == _totalCapped
            && page.Items.Select(i => i.Id).SequenceEqual(_shownIds);
        if (!sameRows)
        {
            await _grid.ReloadServerData();
            return;
        }
        foreach (var fresh in page.Items)
        {
            _rows[fresh.Id].CopyFrom(fresh);
        }
        StateHasChanged();
    }

    private async Task StatusFilterChangedAsync(InstanceStatus? status)
    {
        _status = status;
        await _grid.ReloadServerData();
    }

    private async Task OwnerFilterChangedAsync(string owner)
    {
        _owner = owner ?? "";
        await _grid.ReloadServerData();
    }

    private async Task NameFilterChangedAsync(string prefix)
    {
        _namePrefix = prefix ?? "";
        await _grid.ReloadServerData();
    }

    // PropertyColumn compiles its expression whenever it gets a new instance, and a lambda written in the markup is a new
    // instance on every render: every live refresh of every open grid compiled (and JIT-compiled) them again.
    private static readonly Expression<Func<InstanceRow, string>> OwnerColumn = i => i.OwnerUserName;
    private static readonly Expression<Func<InstanceRow, int>> DownloadCountColumn = i => i.DownloadCount;

    /// <summary>One editable quota column: its name (also its resource key) and how to read and write it on a row.</summary>
    private sealed record QuotaColumn(string Name, Func<InstanceRow, int> Get, Action<InstanceRow, int> Set);

    private static readonly QuotaColumn[] Quotas =
    [
        new(nameof(InstanceRow.MaxDesktops), r => r.MaxDesktops, (r, v) => r.MaxDesktops = v),
        new(nameof(InstanceRow.MaxImages), r => r.MaxImages, (r, v) => r.MaxImages = v),
        new(nameof(InstanceRow.MaxUsers), r => r.MaxUsers, (r, v) => r.MaxUsers = v),
        new(nameof(InstanceRow.MaxVcpus), r => r.MaxVcpus, (r, v) => r.MaxVcpus = v),
        new(nameof(InstanceRow.MaxVmemGib), r => r.MaxVmemGib, (r, v) => r.MaxVmemGib = v),
        new(nameof(InstanceRow.MaxVdiskGib), r => r.MaxVdiskGib, (r, v) => r.MaxVdiskGib = v),
    ];

    /// <summary>A quota cell lost focus with new text: save a whole number, or show the stored value again.</summary>
    private async Task QuotaInputAsync(InstanceRow row, QuotaColumn quota, object? text)
    {
        if (!int.TryParse(text as string, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            await _grid.ReloadServerData();
            return;
        }
        if (quota.Get(row) == value)
        {
            return;
        }
        quota.Set(row, value);
        await SaveRowAsync(row);
    }

    /// <summary>The date typed or picked so far in a row's expiry cell; saved when the cell loses focus.</summary>
    private readonly Dictionary<int, DateOnly> _pendingExpiry = [];

    private void ExpiryInput(InstanceRow row, object? text)
    {
        if (DateOnly.TryParseExact(text as string, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            _pendingExpiry[row.Id] = date;
        }
    }

    private async Task ExpiryLeftAsync(InstanceRow row)
    {
        if (!_pendingExpiry.Remove(row.Id, out var date) || date == row.ExpiresOn)
        {
            return;
        }
        row.ExpiresOn = date;
        await SaveRowAsync(row);
    }

    /// <summary>Saves one edited row with the version it was read at; a conflict or a broken rule leaves the stored row as it was.</summary>
    private async Task SaveRowAsync(InstanceRow row)
    {
        var result = await Instances.UpdateAsync(await GetActorAsync(), row.Id, row.ToQuotas(), row.Version);
        switch (result.Failure)
        {
            case Failure.None:
                row.Version = result.Value!.Version;
                row.Status = result.Value.Status;
                row.UpdatedAt = result.Value.UpdatedAt;
                Snackbar.Add(Text["Instances.Saved", row.Name], Severity.Success);
                return;
            case Failure.Conflict:
                _conflict = result.Value;
                break;
            default:
                Snackbar.Add(string.Join(" ", result.Errors.Select(Message)), Severity.Error);
                break;
        }
        // Show what is stored again: the refused value must not linger in the cell.
        await _grid.ReloadServerData();
    }

    private string CurrentValues(InstanceRow current) => Text["Instances.CurrentValues",
        current.MaxDesktops, current.MaxImages, current.MaxUsers, current.MaxVcpus, current.MaxVmemGib, current.MaxVdiskGib,
        current.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)];

    private async Task CreateAsync()
    {
        var dialog = await Dialogs.ShowAsync<InstanceDialog>(Text["Instances.Create"], new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, BackdropClick = false });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: InstanceRow created })
        {
            Snackbar.Add(Text["Instances.Created", created.Name], Severity.Success);
            await _grid.ReloadServerData();
        }
    }

    private async Task DeleteSelectedAsync()
    {
        var names = string.Join(", ", _selected.Select(i => i.Name).Take(50));
        var confirmed = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = Text["Instances.DeleteTitle"],
            Message = Text["Instances.DeleteConfirm", _selected.Count, names],
            YesText = Text["Common.Delete"],
            CancelText = Text["Common.Cancel"],
        });
        if (confirmed != true)
        {
            return;
        }
        var results = await Instances.DeleteAsync(await GetActorAsync(), _selected.Select(i => i.Id).ToList());
        foreach (var r in results)
        {
            Snackbar.Add(r.Succeeded ? Text["Common.DeletedItem", r.Key] : Text["Common.DeleteFailedItem", r.Key, Text[r.ErrorCode ?? "Error.Unexpected"]],
                r.Succeeded ? Severity.Success : Severity.Error);
        }
        _selected.Clear();
        await _grid.ReloadServerData();
    }
}
