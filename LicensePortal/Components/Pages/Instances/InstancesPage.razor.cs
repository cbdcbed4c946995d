using System.Globalization;
using LicensePortal.Components.Shared;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// The seed's /instances: administrators edit quotas and expiry in place (each cell saves on change, with the row's version); everyone else reads. The table
/// refreshes itself when any instance it may show changes elsewhere. Paging, sorting and filtering are the service's (<see cref="InstanceService.ListAsync"/>).
/// </summary>
public sealed partial class InstancesPage
{
    [Inject] private InstanceService Instances { get; set; } = default!;
    [Inject] private InstanceChangeNotifier Notifier { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private static readonly InstanceStatus[] Statuses = Enum.GetValues<InstanceStatus>();
    private static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>How long the owner and name filters wait after the last keystroke before they query.</summary>
    private static readonly TimeSpan FilterDebounce = TimeSpan.FromMilliseconds(300);

    private bool _isAdmin;
    private bool _seesEverything;
    private PortalActor? _actor;
    private InstanceRow? _conflict;
    private IDisposable? _subscription;

    // What the table asks for: the service's query is built from these.
    private InstanceStatus? _status;
    private string _owner = "";
    private string _namePrefix = "";
    private InstanceSort _sort = InstanceSort.Name;
    private bool _descending;
    private int _page;
    private int _pageSize = 25;

    // What it shows: the rows of the last load, the total it found, and whether the service stopped counting at its cap.
    private List<ShownRow> _shown = [];
    private int _total;
    private bool _totalCapped;
    private bool _loaded;

    /// <summary>The selected rows by id; a row keeps its object while it is shown, so a live refresh keeps the selection.</summary>
    private readonly Dictionary<int, InstanceRow> _selected = [];

    /// <summary>Loads started; a load whose result arrives after a newer one started is dropped.</summary>
    private int _loadSequence;

    private CancellationTokenSource? _filterTyping;

    // Text and handlers made once per page, not once per row and render: every open page renders on every change anywhere.
    private string[] _quotaLabels = [];
    private string _expiryLabel = "";
    private string _selectRowLabel = "";
    private Dictionary<InstanceStatus, string> _statusLabels = [];
    private Dictionary<InstanceSort, Func<Task>> _sortHandlers = [];

    protected override async Task OnInitializedAsync()
    {
        _actor = await GetActorAsync();
        _isAdmin = _actor.IsAdministrator;
        _seesEverything = _actor.SeesEverything;
        _quotaLabels = Quotas.Select(q => Text[$"Instance.{q.Name}"].Value).ToArray();
        _expiryLabel = Text["Instance.ExpiresOn"];
        _selectRowLabel = Text["Grid.SelectRow"];
        _statusLabels = Statuses.ToDictionary(s => s, s => Text[$"Status.{s}"].Value);
        _sortHandlers = new[] { InstanceSort.Name, InstanceSort.Status, InstanceSort.ExpiresOn, InstanceSort.DownloadCount }
            .ToDictionary(s => s, s => (Func<Task>)(() => SortByAsync(s)));
        await LoadAsync();
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

    public void Dispose()
    {
        _subscription?.Dispose();
        _filterTyping?.Cancel();
        _filterTyping?.Dispose();
    }

    private InstanceQuery CurrentQuery() => new(_page, _pageSize, _status, _owner, _namePrefix, _sort, _descending);

    /// <summary>
    /// Reads the page the table asks for. Rows still shown keep their objects and take the new values, so the
    /// selection and each row's handlers stay; the caller renders once.
    /// </summary>
    private async Task LoadAsync(bool forChange = false)
    {
        var sequence = ++_loadSequence;
        var actor = _actor ?? await GetActorAsync();
        // A refresh for a change shares its read with every other open page showing the same rows.
        var page = forChange ? await Instances.ListForRefreshAsync(actor, CurrentQuery()) : await Instances.ListAsync(actor, CurrentQuery());
        if (sequence != _loadSequence)
        {
            return; // another page, sort or filter was asked for meanwhile; its load shows that
        }
        if (page.Items.Count == 0 && page.TotalCount > 0 && _page > 0)
        {
            // The rows of this page went (deleted here or elsewhere): show the last page there is.
            _page = (page.TotalCount - 1) / _pageSize;
            await LoadAsync();
            return;
        }
        var kept = _shown.ToDictionary(s => s.Row.Id);
        var shown = new List<ShownRow>(page.Items.Count);
        foreach (var fresh in page.Items)
        {
            if (kept.TryGetValue(fresh.Id, out var existing))
            {
                existing.Row.CopyFrom(fresh);
                shown.Add(existing);
            }
            else
            {
                shown.Add(new ShownRow(this, _selected.GetValueOrDefault(fresh.Id) is { } selected ? Take(selected, fresh) : fresh));
            }
        }
        (_shown, _total, _totalCapped, _loaded) = (shown, page.TotalCount, page.TotalCapped, true);

        // A selected row from another page comes back as the selected object.
        static InstanceRow Take(InstanceRow selected, InstanceRow fresh)
        {
            selected.CopyFrom(fresh);
            return selected;
        }
    }

    /// <summary>A live refresh: reads the shown page again and renders once (rows keep their objects, so only changed cells change in the browser).</summary>
    private async Task RefreshAsync()
    {
        await LoadAsync(forChange: true);
        StateHasChanged();
    }

    private async Task ReloadFromFirstPageAsync()
    {
        _page = 0;
        await LoadAsync();
    }

    private async Task StatusFilterChangedAsync(ChangeEventArgs e)
    {
        _status = Enum.TryParse<InstanceStatus>(e.Value as string, out var status) ? status : null;
        await ReloadFromFirstPageAsync();
    }

    private Task OwnerTypedAsync(ChangeEventArgs e) => FilterTypedAsync(() => _owner = e.Value as string ?? "");

    private Task NameTypedAsync(ChangeEventArgs e) => FilterTypedAsync(() => _namePrefix = e.Value as string ?? "");

    /// <summary>Applies a text filter once typing has paused, so a word typed is one query, not one per letter.</summary>
    private async Task FilterTypedAsync(Action apply)
    {
        _filterTyping?.Cancel();
        _filterTyping?.Dispose();
        var typing = _filterTyping = new CancellationTokenSource();
        try
        {
            await Task.Delay(FilterDebounce, typing.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        apply();
        await ReloadFromFirstPageAsync();
    }

    private async Task SortByAsync(InstanceSort sort)
    {
        // A second click on the sorted column reverses it, as MudBlazor's sort labels do.
        (_sort, _descending) = (sort, sort == _sort && !_descending);
        await ReloadFromFirstPageAsync();
    }

    private string? AriaSort(InstanceSort sort) => sort != _sort ? null : _descending ? "descending" : "ascending";

    private MarkupString SortIcon(InstanceSort sort) => sort != _sort ? SortIconIdle : _descending ? SortIconDescending : SortIconAscending;

    // Icons as whole markup strings, one frame each instead of an element and its attributes.
    private static readonly MarkupString SortIconIdle = Svg("mud-table-sort-label-icon", Icons.Material.Filled.ArrowUpward);
    private static readonly MarkupString SortIconAscending = Svg("mud-table-sort-label-icon mud-direction-asc", Icons.Material.Filled.ArrowUpward);
    private static readonly MarkupString SortIconDescending = Svg("mud-table-sort-label-icon mud-direction-desc", Icons.Material.Filled.ArrowUpward);
    private static readonly MarkupString FirstPageIcon = Svg("", Icons.Material.Filled.FirstPage);
    private static readonly MarkupString PreviousPageIcon = Svg("", Icons.Material.Filled.NavigateBefore);
    private static readonly MarkupString NextPageIcon = Svg("", Icons.Material.Filled.NavigateNext);
    private static readonly MarkupString LastPageIcon = Svg("", Icons.Material.Filled.LastPage);
    private static readonly MarkupString AddIcon = Svg("", Icons.Material.Filled.Add);

    private static MarkupString Svg(string classes, string icon) =>
        new($"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-medium {classes}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\">{icon}</svg>");

    private int LastPage => _total == 0 ? 0 : (_total - 1) / _pageSize;

    private async Task PageSizeChangedAsync(ChangeEventArgs e)
    {
        if (int.TryParse(e.Value as string, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && PageSizes.Contains(size))
        {
            // Keep the first row shown on the new page, as MudBlazor's pager does.
            _page = _page * _pageSize / size;
            _pageSize = size;
            await LoadAsync();
        }
    }

    private Task FirstPageAsync() => GoToPageAsync(0);

    private Task PreviousPageAsync() => GoToPageAsync(_page - 1);

    private Task NextPageAsync() => GoToPageAsync(_page + 1);

    private Task LastPageAsync() => GoToPageAsync(LastPage);

    private async Task GoToPageAsync(int page)
    {
        _page = Math.Clamp(page, 0, LastPage);
        await LoadAsync();
    }

    /// <summary>"first-last of total" in the UI language, or "of more than N" when the service stopped counting at its cap.</summary>
    private string PagerInfo
    {
        get
        {
            var first = _total == 0 ? 0 : _page * _pageSize + 1;
            var last = Math.Min((_page + 1) * _pageSize, _total);
            return Text[_totalCapped ? "Grid.PagerInfoCapped" : "Grid.PagerInfo"].Value
                .Replace("{first_item}", first.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal)
                .Replace("{last_item}", last.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal)
                .Replace("{all_items}", _total.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal);
        }
    }

    private int ColumnCount => (_isAdmin ? 1 : 0) + (_seesEverything ? 1 : 0) + 2 + Quotas.Length + 2;

    private bool AllShownSelected => _shown.Count > 0 && _shown.TrueForAll(s => _selected.ContainsKey(s.Row.Id));

    private void SelectAllChanged(ChangeEventArgs e)
    {
        var select = e.Value is true;
        foreach (var shown in _shown)
        {
            SetSelected(shown.Row, select);
        }
    }

    private void SetSelected(InstanceRow row, bool selected)
    {
        if (selected)
        {
            _selected[row.Id] = row;
        }
        else
        {
            _selected.Remove(row.Id);
        }
    }

    private static string IsoDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

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

    /// <summary>
    /// A shown row and its selection handler, made once while the row stays shown: a handler made in the markup would be
    /// a new delegate at every render, and Blazor sends every changed handler to the browser, so each live refresh of
    /// each page would re-bind it. The editable cells have no handlers of their own (<see cref="CellChangedAsync"/>).
    /// </summary>
    private sealed class ShownRow
    {
        public ShownRow(InstancesPage page, InstanceRow row)
        {
            Row = row;
            Href = $"instances/{Uri.EscapeDataString(row.Name)}";
            SelectChanged = e => page.SetSelected(Row, e.Value is true);
        }

        public InstanceRow Row { get; }

        /// <summary>The detail page's address (names do not change).</summary>
        public string Href { get; }

        public Action<ChangeEventArgs> SelectChanged { get; }
    }

    /// <summary>The shown row the browser names, or null: an event for a row this page does not show is ignored.</summary>
    private InstanceRow? ShownRowFor(string? id) =>
        int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var rowId) ? _shown.Find(s => s.Row.Id == rowId)?.Row : null;

    /// <summary>
    /// A cell's input changed: a quota saves at once; a date is kept until the cell is left. Changes of anything else in
    /// the body (a row's checkbox has its own handler) bubble here too and are ignored.
    /// </summary>
    private Task CellChangedAsync(GridCellEventArgs e)
    {
        if (ShownRowFor(e.Row) is not { } row || !_isAdmin)
        {
            return Task.CompletedTask;
        }
        if (e.Field == EditableCellMarkup.ExpiryField)
        {
            ExpiryInput(row, e.Value);
            return Task.CompletedTask;
        }
        var column = Array.FindIndex(Quotas, q => q.Name == e.Field);
        return column < 0 ? Task.CompletedTask : QuotaInputAsync(row, Quotas[column], e.Value);
    }

    /// <summary>A date cell lost focus: save the date typed or picked in it, if any.</summary>
    private Task CellLeftAsync(GridCellEventArgs e) =>
        _isAdmin && e.Field == EditableCellMarkup.ExpiryField && ShownRowFor(e.Row) is { } row ? ExpiryLeftAsync(row) : Task.CompletedTask;

    /// <summary>A quota cell lost focus with new text: save a whole number, or show the stored value again.</summary>
    private async Task QuotaInputAsync(InstanceRow row, QuotaColumn quota, string? text)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            await ShowStoredAsync(row);
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

    private void ExpiryInput(InstanceRow row, string? text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
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
        await ShowStoredAsync(row);
    }

    /// <summary>
    /// Shows what is stored again: the refused value must not linger in the cell. The browser's input holds the typed
    /// text, and the stored value may be the one the last render sent, which a render would then not send again: the
    /// row is rendered away once and comes back from the reload as a new row.
    /// </summary>
    private async Task ShowStoredAsync(InstanceRow row)
    {
        _shown = _shown.Where(s => s.Row.Id != row.Id).ToList();
        StateHasChanged();
        await Task.Yield();
        await LoadAsync();
    }

    private string CurrentValues(InstanceRow current) => Text["Instances.CurrentValues",
        current.MaxDesktops, current.MaxImages, current.MaxUsers, current.MaxVcpus, current.MaxVmemGib, current.MaxVdiskGib,
        IsoDate(current.ExpiresOn)];

    private async Task CreateAsync()
    {
        var dialog = await Dialogs.ShowAsync<InstanceDialog>(Text["Instances.Create"], new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, BackdropClick = false });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: InstanceRow created })
        {
            Snackbar.Add(Text["Instances.Created", created.Name], Severity.Success);
            await LoadAsync();
            StateHasChanged();
        }
    }

    private async Task DeleteSelectedAsync()
    {
        var names = string.Join(", ", _selected.Values.Select(i => i.Name).Take(50));
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
        var results = await Instances.DeleteAsync(await GetActorAsync(), _selected.Keys.ToList());
        foreach (var r in results)
        {
            Snackbar.Add(r.Succeeded ? Text["Common.DeletedItem", r.Key] : Text["Common.DeleteFailedItem", r.Key, Text[r.ErrorCode ?? "Error.Unexpected"]],
                r.Succeeded ? Severity.Success : Severity.Error);
        }
        _selected.Clear();
        await LoadAsync();
    }
}
