using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// What a page shows a person, read as they would read it (the rendered text, and the tooltips, labels, placeholders and
/// alternative texts a screen reader says): no resource key, no unfilled placeholder, and nothing in the other language.
/// </summary>
public static partial class ShownTexts
{
    private const string AttributesScript =
        "() => [...document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')].flatMap(e => ['title','aria-label','placeholder','alt'].map(a => e.getAttribute(a)).filter(v => v))";

    /// <summary>
    /// The problems of the page open in <paramref name="page"/>, whose viewer chose <paramref name="culture"/>
    /// (<see cref="ResourceFiles.English"/> or <see cref="ResourceFiles.Chinese"/>); empty when there are none.
    /// </summary>
    public static async Task<List<string>> ProblemsAsync(IPage page, string culture, string where)
    {
        var text = await page.Locator("body").InnerTextAsync();
        var labels = await page.EvaluateAsync<string[]>(AttributesScript);
        var problems = KeysAndPlaceholders(where, labels.Prepend(text));
        foreach (var shown in labels.Prepend(text))
        {
            if (culture == ResourceFiles.English)
            {
                // The language menu names Chinese in Chinese, as every language menu does.
                var chinese = ChineseCharacters().Match(shown.Replace("简体中文", "", StringComparison.Ordinal));
                if (chinese.Success)
                {
                    problems.Add($"{where}: Chinese text on an English page in \"{Shorten(shown, chinese.Index)}\"");
                }
            }
            else if (EnglishTexts.Value.Match(shown) is { Success: true } english)
            {
                problems.Add($"{where}: the English text \"{english.Value}\" on a Chinese page in \"{Shorten(shown, english.Index)}\"");
            }
        }
        return problems;
    }

    /// <summary>No resource key (the texts' own names) and no "{0}" in any of <paramref name="shown"/>.</summary>
    public static List<string> KeysAndPlaceholders(string where, IEnumerable<string> shown)
    {
        var problems = new List<string>();
        foreach (var one in shown)
        {
            if (ResourceFiles.Placeholder().Match(one) is { Success: true } placeholder)
            {
                problems.Add($"{where}: an unfilled placeholder {placeholder.Value} in \"{Shorten(one, placeholder.Index)}\"");
            }
            if (AnyKey.Value.Match(one) is { Success: true } key)
            {
                problems.Add($"{where}: the resource key {key.Value} is shown in \"{Shorten(one, key.Index)}\"");
            }
        }
        return problems;
    }

    /// <summary>Any of the texts' names as a whole word ("HostInfo.BadCheckCode", not part of a longer name).</summary>
    private static readonly Lazy<Regex> AnyKey = new(() => new Regex(
        @"(?<![\w.])(?:" + string.Join("|", ResourceFiles.Texts(ResourceFiles.English).Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)) + @")(?![\w.])",
        RegexOptions.CultureInvariant));

    /// <summary>
    /// The English texts that a Chinese page must not show: those the Chinese file words differently, without placeholders,
    /// with a word of four letters or more (shorter ones, "OK", "ID", are also names and abbreviations), as whole words.
    /// </summary>
    private static readonly Lazy<Regex> EnglishTexts = new(() =>
    {
        var chinese = ResourceFiles.Texts(ResourceFiles.Chinese);
        var english = ResourceFiles.Texts(ResourceFiles.English)
            .Where(t => chinese.TryGetValue(t.Key, out var zh) && zh != t.Value && ResourceFiles.Placeholders(t.Value).Count == 0
                && Regex.IsMatch(t.Value, "[A-Za-z]{4}") && !t.Value.Contains('\n'))
            .Select(t => t.Value.Trim()).Distinct().OrderByDescending(t => t.Length).Select(Regex.Escape);
        // Not inside a name, a path or a command line ("axe-confirmed", "/work/LicensePortal/data", "--instance").
        return new Regex(@"(?<![\w./-])(?:" + string.Join("|", english) + @")(?![\w./-])", RegexOptions.CultureInvariant);
    });

    private static string Shorten(string text, int at)
    {
        var start = Math.Max(0, at - 60);
        var end = Math.Min(text.Length, at + 60);
        return (start > 0 ? "…" : "") + text[start..end].ReplaceLineEndings(" ") + (end < text.Length ? "…" : "");
    }

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex ChineseCharacters();
}
