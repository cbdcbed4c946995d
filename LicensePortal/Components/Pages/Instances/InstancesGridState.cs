using System.Globalization;
using LicensePortal.Components.Shared;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// What the instances table asks for and shows, and how each input changes it: the query (filters, sort, page), the
/// rows of the last load, the selection, the expiry dates being typed. No rendering and no services:
/// <see cref="InstancesPage"/> loads with <see cref="Query"/>, hands the result to <see cref="Show"/> and renders.
/// </summary>
internal sealed class InstancesGridState : IDisposable
{
    public static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>How long the owner and name filters wait after the last keystroke before they query.</summary>
    private static readonly TimeSpan FilterDebounce = TimeSpan.FromMilliseconds(300);

    // What the table asks for: the service's query is built from these.
    public InstanceStatus? Status { get; private set; }
    public InstanceSort Sort { get; private set; } = InstanceSort.Name;
    public bool Descending { get; private set; }
    public int PageIndex { get; private set; }
    public int PageSize { get; private set; } = DefaultPageSize;
    private const int DefaultPageSize = 25;
    private string _owner = "";
    private string _namePrefix = "";

    // What it shows: the rows of the last load, the total it found, and whether the service stopped counting at its cap.
    public IReadOnlyList<ShownRow> Shown => _shown;
    public int Total { get; private set; }
    public bool TotalCapped { get; private set; }
    public bool Loaded { get; private set; }
    private List<ShownRow> _shown = [];

    /// <summary>The selected rows by id; a row keeps its object while it is shown, so a live refresh keeps the selection.</summary>
    private readonly Dictionary<int, InstanceRow> _selected = [];

    /// <summary>The date typed or picked so far in a row's expiry cell; saved when the cell loses focus.</summary>

    /// <summary>Loads started; a load whose result arrives after a newer one started is dropped.</summary>
    private int _loadSequence;

    private CancellationTokenSource? _filterTyping;

    public InstanceQuery Query => new(PageIndex, PageSize, Status, _owner, _namePrefix, Sort, Descending);

    public string Owner => _owner;
    public string NamePrefix => _namePrefix;

    /// <summary>
    /// The view (filters, sort, page, page size) as the address's query, so it can be bookmarked and shared; what is
    /// at its default is left out (null removes it). The page is counted from 1 there, the sort is a column name,
    /// with a leading '-' when descending.
    /// </summary>
    public IReadOnlyDictionary<string, object?> AddressQuery => new Dictionary<string, object?>
    {
        ["status"] = Status?.ToString(),
        ["owner"] = ViewInAddress.Text(_owner),
        ["name"] = ViewInAddress.Text(_namePrefix),
        ["sort"] = ViewInAddress.Sort(Sort, Descending, InstanceSort.Name),
        ["page"] = ViewInAddress.Page(PageIndex),
        ["size"] = ViewInAddress.Size(PageSize, DefaultPageSize),
    };

    /// <summary>Takes the view from an address's query (see <see cref="AddressQuery"/>); what it cannot read stays at its default.</summary>
    public void RestoreFrom(Func<string, string?> query)
    {
        FilterByStatus(query("status"));
        _owner = query("owner") ?? "";
        _namePrefix = query("name") ?? "";
        if (ViewInAddress.SortFrom<InstanceSort>(query("sort")) is { } sort)
        {
            (Sort, Descending) = sort;
        }
        ChangePageSize(query("size"));
        // A page past the last is brought back by the first load (Show).
        PageIndex = ViewInAddress.PageFrom(query("page"));
    }

    public int LastPage => Total == 0 ? 0 : (Total - 1) / PageSize;

    /// <summary>The first and last row number shown (1-based; 0 and 0 when there are none).</summary>
    public (int First, int Last) ShownRange => (Total == 0 ? 0 : PageIndex * PageSize + 1, Math.Min((PageIndex + 1) * PageSize, Total));

    /// <summary>Marks a load as started; pass the number to <see cref="Show"/> with its result.</summary>
    public int StartLoad() => ++_loadSequence;

    /// <summary>
    /// Takes a load's result. Rows still shown keep their objects and take the new values, so the selection and each
    /// row's handlers stay. False when the page must be loaded again: its rows went (deleted here or elsewhere), and
    /// <see cref="PageIndex"/> now points at the last page there is.
    /// </summary>
    public bool Show(int sequence, Page<InstanceRow> page)
    {
        if (sequence != _loadSequence)
        {
            return true; // another page, sort or filter was asked for meanwhile; its load shows that
        }
        if (page.Items.Count == 0 && page.TotalCount > 0 && PageIndex > 0)
        {
            PageIndex = (page.TotalCount - 1) / PageSize;
            return false;
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
        (_shown, Total, TotalCapped, Loaded) = (shown, page.TotalCount, page.TotalCapped, true);
        return true;

        // A selected row from another page comes back as the selected object.
        static InstanceRow Take(InstanceRow selected, InstanceRow fresh)
        {
            selected.CopyFrom(fresh);
            return selected;
        }
    }

    /// <summary>Stops showing a row until the next load, which brings it back as a new row (new inputs in the browser).</summary>
    public void Forget(InstanceRow row) => _shown = _shown.Where(s => s.Row.Id != row.Id).ToList();

    public void FilterByStatus(string? value)
    {
        Status = Enum.TryParse<InstanceStatus>(value, out var status) ? status : null;
        PageIndex = 0;
    }

    /// <summary>Applies the owner filter once typing has paused; false when more typing came meanwhile (its own wait applies it).</summary>
    public Task<bool> FilterByOwnerAsync(string? text) => FilterTypedAsync(() => _owner = text ?? "");

    /// <summary>Applies the name filter once typing has paused; false when more typing came meanwhile.</summary>
    public Task<bool> FilterByNameAsync(string? text) => FilterTypedAsync(() => _namePrefix = text ?? "");

    // A word typed is one query, not one per letter.
    private async Task<bool> FilterTypedAsync(Action apply)
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
            return false;
        }
        apply();
        PageIndex = 0;
        return true;
    }

    public void SortBy(InstanceSort sort)
    {
        // A second click on the sorted column reverses it, as MudBlazor's sort labels do.
        (Sort, Descending) = (sort, sort == Sort && !Descending);
        PageIndex = 0;
    }

    /// <summary>Takes a page size the browser chose; false for one the table does not offer.</summary>
    public bool ChangePageSize(string? value)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) || !PageSizes.Contains(size))
        {
            return false;
        }
        // Keep the first row shown on the new page, as MudBlazor's pager does.
        PageIndex = PageIndex * PageSize / size;
        PageSize = size;
        return true;
    }

    public void GoToPage(int page) => PageIndex = Math.Clamp(page, 0, LastPage);

    public int SelectedCount => _selected.Count;

    public IReadOnlyCollection<InstanceRow> Selected => _selected.Values;

    public bool IsSelected(InstanceRow row) => _selected.ContainsKey(row.Id);

    public bool AllShownSelected => _shown.Count > 0 && _shown.TrueForAll(s => _selected.ContainsKey(s.Row.Id));

    public void SelectAllShown(bool selected)
    {
        foreach (var shown in _shown)
        {
            SetSelected(shown.Row, selected);
        }
    }

    public void SetSelected(InstanceRow row, bool selected)
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

    public void ClearSelection() => _selected.Clear();

    /// <summary>
    /// A cell's input changed (its text committed): a quota or the expiry date is taken, or refused when it is not a whole
    /// number or a date written yyyy-MM-dd. Changes of anything else in the body (a row's checkbox has its own handler)
    /// are ignored.
    /// </summary>
    public CellEdit CellChanged(GridCellEventArgs e)
    {
        if (ShownRowFor(e.Row) is not { } row)
        {
            return CellEdit.None;
        }
        if (e.Field == EditableCellMarkup.ExpiryField)
        {
            if (!EditableCellMarkup.TryParseIsoDate(e.Value?.Trim(), out var date))
            {
                return new CellEdit(CellEditOutcome.Refuse, row, EditableCellMarkup.ExpiryField, e.Value ?? "");
            }
            if (date == row.ExpiresOn)
            {
                return new CellEdit(CellEditOutcome.None, row, EditableCellMarkup.ExpiryField, e.Value!);
            }
            row.ExpiresOn = date;
            return new CellEdit(CellEditOutcome.Save, row, EditableCellMarkup.ExpiryField, EditableCellMarkup.IsoDate(date));
        }
        if (EditableCellMarkup.QuotaFor(e.Field) is not { } quota)
        {
            return CellEdit.None;
        }
        if (!int.TryParse(e.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            // Not a whole number (a number input reports "" for text it cannot read): refused on the cell, nothing saved.
            return new CellEdit(CellEditOutcome.Refuse, row, quota.Name, e.Value ?? "");
        }
        if (quota.Get(row) == value)
        {
            return new CellEdit(CellEditOutcome.None, row, quota.Name, e.Value!);
        }
        quota.Set(row, value);
        return new CellEdit(CellEditOutcome.Save, row, quota.Name, e.Value!);
    }

    /// <summary>The shown row the browser names, or null: an event for a row this page does not show is ignored.</summary>
    private InstanceRow? ShownRowFor(string? id) =>
        int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var rowId) ? _shown.Find(s => s.Row.Id == rowId)?.Row : null;

    public void Dispose()
    {
        _filterTyping?.Cancel();
        _filterTyping?.Dispose();
    }
}

/// <summary>What a cell's edit asks of the page.</summary>
internal enum CellEditOutcome
{
    None,
    /// <summary>The row holds the new value: save it.</summary>
    Save,
    /// <summary>The input holds text that is not a value: say so on the cell and keep the stored row.</summary>
    Refuse,
}

/// <summary>What a cell's edit asks of the page, with the cell's field and the text typed in it (for a refusal shown on the cell).</summary>
internal readonly record struct CellEdit(CellEditOutcome Outcome, InstanceRow? Row, string? Field = null, string? Text = null)
{
    public static readonly CellEdit None = new(CellEditOutcome.None, null);
}

/// <summary>
/// A shown row and its selection handler, made once while the row stays shown: a handler made in the markup would be
/// a new delegate at every render, and Blazor sends every changed handler to the browser, so each live refresh of
/// each page would re-bind it. The editable cells have no handlers of their own (<see cref="EventHandlers"/>).
/// </summary>
internal sealed class ShownRow
{
    public ShownRow(InstancesGridState grid, InstanceRow row)
    {
        Row = row;
        Href = $"instances/{Uri.EscapeDataString(row.Name)}";
        SelectChanged = e => grid.SetSelected(Row, e.Value is true);
    }

    public InstanceRow Row { get; }

    /// <summary>The detail page's address (names do not change).</summary>
    public string Href { get; }

    public Action<ChangeEventArgs> SelectChanged { get; }
}
