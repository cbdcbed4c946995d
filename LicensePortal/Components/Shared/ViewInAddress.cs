using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.WebUtilities;

namespace LicensePortal.Components.Shared;

/// <summary>
/// A listing's view (filters, sort, page, page size) in its page's address, so a view can be bookmarked and shared:
/// one spelling for every listing (the instances and users tables). What is at its default is left out of the address;
/// the page is counted from 1 there; the sort is a column name, with a leading '-' when descending.
/// </summary>
public static class ViewInAddress
{
    /// <summary>The highest page an address may name (the API's limit too: <c>Services/Paging.cs</c>).</summary>
    private const int HighestPage = 1_000_000;

    /// <summary>The current address's query, read one key at a time (null when absent).</summary>
    public static Func<string, string?> Read(NavigationManager navigation)
    {
        var query = QueryHelpers.ParseQuery(navigation.ToAbsoluteUri(navigation.Uri).Query);
        return key => query.TryGetValue(key, out var values) ? values.ToString() : null;
    }

    /// <summary>Puts the view in the address of <paramref name="path"/>, replacing the history entry (no step per click).</summary>
    public static void Write(NavigationManager navigation, string path, IReadOnlyDictionary<string, object?> view)
    {
        var address = navigation.GetUriWithQueryParameters(navigation.ToAbsoluteUri(path).ToString(), view);
        if (address != navigation.Uri)
        {
            navigation.NavigateTo(address, replace: true);
        }
    }

    /// <summary>The zero-based page index as the address writes it (null on the first page).</summary>
    public static string? Page(int pageIndex) => pageIndex == 0 ? null : (pageIndex + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The zero-based page index an address names; 0 when it names none or one out of range.</summary>
    public static int PageFrom(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page is >= 1 and <= HighestPage ? page - 1 : 0;

    /// <summary>The page size as the address writes it (null at the default).</summary>
    public static string? Size(int pageSize, int defaultSize) => pageSize == defaultSize ? null : pageSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>A page size the address names, if the table offers it.</summary>
    public static int? SizeFrom(string? text, IReadOnlyCollection<int> offered) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && offered.Contains(size) ? size : null;

    /// <summary>The sort as the address writes it (null at the default: the first column, ascending).</summary>
    public static string? Sort<TColumn>(TColumn column, bool descending, TColumn defaultColumn) where TColumn : struct, Enum =>
        EqualityComparer<TColumn>.Default.Equals(column, defaultColumn) && !descending ? null : (descending ? "-" : "") + column;

    /// <summary>The sort an address names, or null when it names none or a column there is not.</summary>
    public static (TColumn Column, bool Descending)? SortFrom<TColumn>(string? text) where TColumn : struct, Enum
    {
        if (text is not { Length: > 0 })
        {
            return null;
        }
        var descending = text.StartsWith('-');
        var name = descending ? text[1..] : text;
        // A column by its name only: Enum.TryParse would also take a number.
        return name.Length > 0 && char.IsLetter(name[0]) && Enum.TryParse<TColumn>(name, ignoreCase: true, out var column) && Enum.IsDefined(column)
            ? (column, descending)
            : null;
    }

    /// <summary>A text filter as the address writes it (null when empty).</summary>
    public static string? Text(string value) => value.Length == 0 ? null : value;
}
