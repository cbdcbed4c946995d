using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Components;

namespace LicensePortal.Components.Pages.Instances;

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

    /// <summary>The expiry cell: a date input (<c>data-field="ExpiresOn"</c>) showing the ISO date.</summary>
    public static MarkupString Expiry(DateOnly date, string label) =>
        Cached(ExpiryCells, (Date: date, Label: label), static ((DateOnly Date, string Label) key) =>
            $"<td><input type=\"date\" value=\"{key.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\" data-field=\"{ExpiryField}\" aria-label=\"{Encoder.Encode(key.Label)}\"></td>");

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
