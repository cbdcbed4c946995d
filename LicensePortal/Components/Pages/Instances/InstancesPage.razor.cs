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
/// refreshes itself when any instance it may show changes elsewhere. Paging, sorting and filtering are the service's (<see cref="InstanceService.ListAsync"/>);
/// what the table asks for and shows is <see cref="InstancesGridState"/>; the cells and their browser contract are <see cref="EditableCellMarkup"/>.
/// </summary>
public sealed partial class InstancesPage
{
    [Inject] private InstanceService Instances { get; set; } = default!;
    [Inject] private InstanceChangeNotifier Notifier { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<LicensePortal.Options.LicensingOptions> Licensing { get; set; } = default!;

    private static readonly InstanceStatus[] Statuses = Enum.GetValues<InstanceStatus>();
    private static readonly QuotaColumn[] Quotas = EditableCellMarkup.Quotas;

    private readonly InstancesGridState _grid = new();
    private bool _isAdmin;
    private bool _seesEverything;
    private PortalActor? _actor;
    private InstanceRow? _conflict;
    private IDisposable? _subscription;

    /// <summary>The one cell whose value was refused, shown with its reason until that cell is changed again (or another is saved).</summary>
    private RefusedCell? _refused;

    // The filter inputs' text as the address gave it: written once, so a render never overwrites what is being typed.
    private string _ownerFromAddress = "";
    private string _nameFromAddress = "";

    // Text and handlers made once per page, not once per row and render: every open page renders on every change anywhere.
    private string[] _quotaLabels = [];
    private string[] _quotaHeads = [];
    private string _expiryHead = "";
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
        _quotaHeads = Quotas.Select(q => Text[$"Instance.{q.Name}Short"].Value).ToArray();
        _expiryLabel = Text["Instance.ExpiresOn"];
        _expiryHead = Text["Instance.ExpiresOnShort"];
        _selectRowLabel = Text["Grid.SelectRow"];
        _statusLabels = Statuses.ToDictionary(s => s, s => Text[$"Status.{s}"].Value);
        _sortHandlers = new[] { InstanceSort.Name, InstanceSort.Status, InstanceSort.ExpiresOn, InstanceSort.DownloadCount }
            .ToDictionary(s => s, s => (Func<Task>)(() => SortByAsync(s)));
        _grid.RestoreFrom(ViewInAddress.Read(Navigation));
        (_ownerFromAddress, _nameFromAddress) = (_grid.Owner, _grid.NamePrefix);
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
        _grid.Dispose();
    }

    /// <summary>Reads the page the table asks for into the grid; the caller renders once.</summary>
    private async Task LoadAsync(bool forChange = false)
    {
        var sequence = _grid.StartLoad();
        var actor = _actor ?? await GetActorAsync();
        // A refresh for a change shares its read with every other open page showing the same rows.
        var page = forChange ? await Instances.ListForRefreshAsync(actor, _grid.Query) : await Instances.ListAsync(actor, _grid.Query);
        if (!_grid.Show(sequence, page))
        {
            await LoadAsync(); // the rows of that page went: the grid now asks for the last page there is
        }
    }

    /// <summary>A live refresh: reads the shown page again and renders once (rows keep their objects, so only changed cells change in the browser).</summary>
    private async Task RefreshAsync()
    {
        await LoadAsync(forChange: true);
        StateHasChanged();
    }

    /// <summary>Loads the view asked for and puts it in the address (replacing the entry: no history step per click).</summary>
    private async Task LoadViewAsync()
    {
        await LoadAsync();
        ViewInAddress.Write(Navigation, "instances", _grid.AddressQuery);
    }

    private async Task StatusFilterChangedAsync(ChangeEventArgs e)
    {
        _grid.FilterByStatus(e.Value as string);
        await LoadViewAsync();
    }

    private async Task OwnerTypedAsync(ChangeEventArgs e)
    {
        if (await _grid.FilterByOwnerAsync(e.Value as string))
        {
            await LoadViewAsync();
        }
    }

    private async Task NameTypedAsync(ChangeEventArgs e)
    {
        if (await _grid.FilterByNameAsync(e.Value as string))
        {
            await LoadViewAsync();
        }
    }

    private async Task SortByAsync(InstanceSort sort)
    {
        _grid.SortBy(sort);
        await LoadViewAsync();
    }

    private string? AriaSort(InstanceSort sort) => sort != _grid.Sort ? null : _grid.Descending ? "descending" : "ascending";

    private MarkupString SortIcon(InstanceSort sort) => sort != _grid.Sort ? SortIconIdle : _grid.Descending ? SortIconDescending : SortIconAscending;

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

    private async Task PageSizeChangedAsync(ChangeEventArgs e)
    {
        if (_grid.ChangePageSize(e.Value as string))
        {
            await LoadViewAsync();
        }
    }

    private Task FirstPageAsync() => GoToPageAsync(0);

    private Task PreviousPageAsync() => GoToPageAsync(_grid.PageIndex - 1);

    private Task NextPageAsync() => GoToPageAsync(_grid.PageIndex + 1);

    private Task LastPageAsync() => GoToPageAsync(_grid.LastPage);

    private async Task GoToPageAsync(int page)
    {
        _grid.GoToPage(page);
        await LoadViewAsync();
    }

    /// <summary>"first-last of total" in the UI language, or "of more than N" when the service stopped counting at its cap.</summary>
    private string PagerInfo
    {
        get
        {
            var (first, last) = _grid.ShownRange;
            return Text[_grid.TotalCapped ? "Grid.PagerInfoCapped" : "Grid.PagerInfo"].Value
                .Replace("{first_item}", first.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal)
                .Replace("{last_item}", last.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal)
                .Replace("{all_items}", _grid.Total.ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal);
        }
    }

    private int ColumnCount => (_isAdmin ? 1 : 0) + (_seesEverything ? 1 : 0) + 2 + Quotas.Length + 2;

    private void SelectAllChanged(ChangeEventArgs e) => _grid.SelectAllShown(e.Value is true);

    /// <summary>The body's one handler for every editable cell's change (the cells have none of their own).</summary>
    private Task CellChangedAsync(GridCellEventArgs e) => _isAdmin ? ApplyAsync(_grid.CellChanged(e)) : Task.CompletedTask;

    private Task ApplyAsync(CellEdit edit)
    {
        if (_refused is { } refused && edit.Row is { } edited && refused.RowId == edited.Id && refused.Field == edit.Field)
        {
            _refused = null; // the refused cell was changed again: its message goes (or is replaced below)
        }
        return edit switch
        {
            { Outcome: CellEditOutcome.Save, Row: { } row } => SaveRowAsync(row, edit),
            { Outcome: CellEditOutcome.Refuse, Row: { } row, Field: { } field } when EditableCellMarkup.QuotaFor(field) is { } quota =>
                RefuseAsync(row, edit, Text["Error.QuotaRange", 0, quota.Limit]),
            { Outcome: CellEditOutcome.Refuse, Row: { } row, Field: EditableCellMarkup.ExpiryField } => RefuseAsync(row, edit, Text["Error.DateFormat"]),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>Shows a refused value's reason on its cell (the typed text stays in it) and the stored row otherwise.</summary>
    private Task RefuseAsync(InstanceRow row, CellEdit edit, string message)
    {
        _refused = new RefusedCell(row.Id, edit.Field!, edit.Text ?? "", message);
        return ShowStoredAsync(row);
    }

    /// <summary>The refused cell's markup, or null for every other cell (which then is the shared markup).</summary>
    private MarkupString? RefusedCellFor(InstanceRow row, string field, string label) =>
        _refused is { } refused && refused.RowId == row.Id && refused.Field == field
            ? EditableCellMarkup.Refused(field, refused.Text, label, refused.Message)
            : null;

    /// <summary>Saves one edited row with the version it was read at; a conflict or a broken rule leaves the stored row as it was.</summary>
    private async Task SaveRowAsync(InstanceRow row, CellEdit edit)
    {
        var result = await Instances.UpdateAsync(await GetActorAsync(), row.Id, row.ToQuotas(), row.Version);
        switch (result.Failure)
        {
            case Failure.None:
                row.Version = result.Value!.Version;
                row.Status = result.Value.Status;
                row.UpdatedAt = result.Value.UpdatedAt;
                _refused = null;
                Snackbar.Add(Text["Instances.Saved", row.Name], Severity.Success);
                return;
            case Failure.Conflict:
                _conflict = result.Value;
                break;
            case Failure.Invalid when result.Errors.Count > 0:
                // The rule's message on the cell that broke it, not a toast away from it.
                var error = result.Errors.FirstOrDefault(e => e.Field == edit.Field) ?? result.Errors[0];
                _refused = new RefusedCell(row.Id, edit.Field!, edit.Text ?? "", Message(error));
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
        _grid.Forget(row);
        StateHasChanged();
        await Task.Yield();
        await LoadAsync();
    }

    private string CurrentValues(InstanceRow current) => Text["Instances.CurrentValues",
        current.MaxDesktops, current.MaxImages, current.MaxUsers, current.MaxVcpus, current.MaxVmemGib, current.MaxVdiskGib,
        EditableCellMarkup.IsoDate(current.ExpiresOn)];

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
        var names = string.Join(", ", _grid.Selected.Select(i => i.Name).Take(50));
        var confirmed = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = Text["Instances.DeleteTitle"],
            Message = Text["Instances.DeleteConfirm", _grid.SelectedCount, names],
            YesText = Text["Common.Delete"],
            CancelText = Text["Common.Cancel"],
        });
        if (confirmed != true)
        {
            return;
        }
        var results = await Instances.DeleteAsync(await GetActorAsync(), _grid.Selected.Select(i => i.Id).ToList());
        foreach (var r in results)
        {
            Snackbar.Add(r.Succeeded ? Text["Common.DeletedItem", r.Key] : Text["Common.DeleteFailedItem", r.Key, Text[r.ErrorCode ?? "Error.Unexpected"]],
                r.Succeeded ? Severity.Success : Severity.Error);
        }
        _grid.ClearSelection();
        await LoadAsync();
    }
}

/// <summary>A cell whose value was refused: the row, the field, the text typed and why.</summary>
internal sealed record RefusedCell(int RowId, string Field, string Text, string Message);
