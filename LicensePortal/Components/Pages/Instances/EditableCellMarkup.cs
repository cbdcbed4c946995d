using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;

namespace LicensePortal.Components.Pages.Instances;

// The instances table's editable cells and their contract with the browser, in one place:
// - the cells: markup without handlers (EditableCellMarkup), each input naming its field in data-quota or data-field;
// - the rows: <tr data-id="instance id"> (InstancesPage.razor);
// - the events: wwwroot-assets/portal.js registers gridcellchange (the browser's change of any input in the body),
//   reporting { row: tr's data-id, field: input's data-quota or data-field, value: input's text } (GridCellEventArgs);
// - the one handler: the table body's @ongridcellchange (EventHandlers).

/// <summary>
/// The instances table's editable cells (a quota or the expiry date in an input) as markup: one render-tree frame a
/// cell instead of seven, so an administrator's page of 25 rows stays under 1,024 frames and each of its two render
/// buffers is half the size (docs/performance.md, issue 5). The inputs carry no handlers; the table body's
/// <see cref="EventHandlers"/> hear them. Each cell's text is made once per value and label and shared by every open
/// page, as most pages show the same rows.
/// </summary>
internal static class EditableCellMarkup
{
    /// <summary>The expiry cell's field name (its input's <c>data-field</c>).</summary>
    public const string ExpiryField = "ExpiresOn";

    /// <summary>The editable quota columns in table order; each one's name is its field (<c>data-quota</c>) and its resource key.</summary>
    public static readonly QuotaColumn[] Quotas =
    [
        new(nameof(InstanceRow.MaxDesktops), InstanceRules.MaxDesktopsLimit, r => r.MaxDesktops, (r, v) => r.MaxDesktops = v),
        new(nameof(InstanceRow.MaxImages), InstanceRules.MaxImagesLimit, r => r.MaxImages, (r, v) => r.MaxImages = v),
        new(nameof(InstanceRow.MaxUsers), InstanceRules.MaxUsersLimit, r => r.MaxUsers, (r, v) => r.MaxUsers = v),
        new(nameof(InstanceRow.MaxVcpus), InstanceRules.MaxVcpusLimit, r => r.MaxVcpus, (r, v) => r.MaxVcpus = v),
        new(nameof(InstanceRow.MaxVmemGib), InstanceRules.MaxVmemGibLimit, r => r.MaxVmemGib, (r, v) => r.MaxVmemGib = v),
        new(nameof(InstanceRow.MaxVdiskGib), InstanceRules.MaxVdiskGibLimit, r => r.MaxVdiskGib, (r, v) => r.MaxVdiskGib = v),
    ];

    /// <summary>The quota column a browser's field names, or null for anything else (the browser's word is not trusted).</summary>
    public static QuotaColumn? QuotaFor(string? field) => Array.Find(Quotas, q => q.Name == field);

    // Bounded: quotas are free numbers; the set starts over when full (a few hundred bytes an entry).
    private const int MaxCached = 4096;

    private static readonly ConcurrentDictionary<(string Field, int Value, string Label), MarkupString> QuotaCells = new();
    private static readonly ConcurrentDictionary<(DateOnly Date, string Label), MarkupString> ExpiryCells = new();

    // Keeps Chinese labels as text rather than character references.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>A quota cell: <c>&lt;td&gt;&lt;input type="number" data-quota="<paramref name="field"/>" ...&gt;&lt;/td&gt;</c>.</summary>
    public static MarkupString Quota(string field, int value, string label) =>
        Cached(QuotaCells, (Field: field, Value: value, Label: label), static ((string Field, int Value, string Label) key) =>
            $"<td><input type=\"number\" value=\"{key.Value.ToString(CultureInfo.InvariantCulture)}\" data-quota=\"{Encoder.Encode(key.Field)}\" aria-label=\"{Encoder.Encode(key.Label)}\"></td>");

    /// <summary>
    /// The expiry cell: a text input (<c>data-field="ExpiresOn"</c>) holding the ISO date. Not <c>type="date"</c>: the
    /// browser shows that in its own locale's format (12/31/2031 in an English Chromium, also on a Chinese page), where
    /// every other date of the portal reads yyyy-MM-dd in both languages; the instance's form keeps a calendar.
    /// </summary>
    public static MarkupString Expiry(DateOnly date, string label) =>
        Cached(ExpiryCells, (Date: date, Label: label), static ((DateOnly Date, string Label) key) =>
            $"<td><input {DateInputAttributes} value=\"{IsoDate(key.Date)}\" data-field=\"{ExpiryField}\" aria-label=\"{Encoder.Encode(key.Label)}\"></td>");

    // The format is the placeholder: it reads the same in both languages, like the dates around it.
    private const string DateInputAttributes = "type=\"text\" inputmode=\"numeric\" maxlength=\"10\" size=\"10\" placeholder=\"yyyy-MM-dd\" autocomplete=\"off\"";

    /// <summary>
    /// A cell whose value was refused: the input keeps the text typed, marked invalid, and the reason is shown on the
    /// cell and announced (role="alert"). One such cell at most per page, so it is made per use, not cached.
    /// </summary>
    public static MarkupString Refused(string field, string text, string label, string message)
    {
        var input = field == ExpiryField
            ? $"<input {DateInputAttributes} value=\"{Encoder.Encode(text)}\" data-field=\"{ExpiryField}\""
            : $"<input type=\"number\" value=\"{Encoder.Encode(text)}\" data-quota=\"{Encoder.Encode(field)}\"";
        return new MarkupString(
            $"<td class=\"cell-refused\">{input} aria-label=\"{Encoder.Encode(label)}\" aria-invalid=\"true\" aria-describedby=\"cell-refused-message\">"
            + $"<div id=\"cell-refused-message\" class=\"cell-refused-message\" role=\"alert\">{Encoder.Encode(message)}</div></td>");
    }

    /// <summary>A date as the expiry cell shows it and the portal writes dates everywhere.</summary>
    public static string IsoDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The date typed into an expiry cell, if it is a whole date written yyyy-MM-dd.</summary>
    public static bool TryParseIsoDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static MarkupString Cached<TKey>(ConcurrentDictionary<TKey, MarkupString> cache, TKey key, Func<TKey, string> html)
        where TKey : notnull
    {
        if (cache.TryGetValue(key, out var known))
        {
            return known;
        }
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }
        return cache.GetOrAdd(key, k => new MarkupString(html(k)));
    }
}

/// <summary>One editable quota column: its name (its field and resource key), its upper bound (InstanceRules) and how to read and write it on a row.</summary>
internal sealed record QuotaColumn(string Name, int Limit, Func<InstanceRow, int> Get, Action<InstanceRow, int> Set);

/// <summary>
/// What the browser reports of an editable cell of the instances table: the row's instance id (the row's
/// <c>data-id</c>), the cell's field (its input's <c>data-quota</c> or <c>data-field</c>) and the input's text.
/// Made by wwwroot-assets/portal.js. Everything in it is the browser's word: the page acts only on rows it shows, and
/// the service checks the rest.
/// </summary>
public sealed class GridCellEventArgs : EventArgs
{
    public string? Row { get; set; }

    public string? Field { get; set; }

    public string? Value { get; set; }
}

/// <summary>
/// The table's cells are markup without handlers of their own; one handler on the table body hears them all
/// (a handler per input was a delegate, an event binding and two render-tree frames each, held per open page).
/// <c>gridcellchange</c> is the browser's <c>change</c> of any input in the body, which a text or number input raises
/// once its text is committed (Enter, Tab, or a click elsewhere).
/// </summary>
[EventHandler("ongridcellchange", typeof(GridCellEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
public static class EventHandlers
{
}
