using System.Globalization;
using LicensePortal.Resources;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Tests.Localization;

/// <summary>
/// The English and the Chinese resx files name the same texts with the same placeholders, and every text, looked up
/// through the portal's own localization in each culture and filled in, is a sentence: never its key, never a "{0}".
/// </summary>
public sealed class BothLanguagesHaveTheSameTextsAndPlaceholders
{
    [Fact]
    public void Every_key_is_in_both_files()
    {
        var english = ResourceFiles.Texts(ResourceFiles.English);
        var chinese = ResourceFiles.Texts(ResourceFiles.Chinese);
        var onlyEnglish = english.Keys.Except(chinese.Keys).Order(StringComparer.Ordinal).ToList();
        var onlyChinese = chinese.Keys.Except(english.Keys).Order(StringComparer.Ordinal).ToList();
        Assert.True(onlyEnglish.Count == 0 && onlyChinese.Count == 0,
            $"Only in English: {string.Join(", ", onlyEnglish)}\nOnly in Chinese: {string.Join(", ", onlyChinese)}");
    }

    [Fact]
    public void Every_text_has_the_same_placeholders_in_both_languages_and_none_is_empty()
    {
        var english = ResourceFiles.Texts(ResourceFiles.English);
        var chinese = ResourceFiles.Texts(ResourceFiles.Chinese);
        var problems = new List<string>();
        foreach (var (key, text) in english)
        {
            if (!chinese.TryGetValue(key, out var translated))
            {
                continue; // the other test names it
            }
            if (string.IsNullOrWhiteSpace(text) || string.IsNullOrWhiteSpace(translated))
            {
                problems.Add($"{key}: empty");
            }
            var (a, b) = (ResourceFiles.Placeholders(text), ResourceFiles.Placeholders(translated));
            if (!a.SequenceEqual(b))
            {
                problems.Add($"{key}: English {string.Join(" ", a)}, Chinese {string.Join(" ", b)}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("zh-Hans")]
    [InlineData("zh-CN")] // what a Chinese browser sends: it falls back to zh-Hans
    public void Every_text_renders_in_its_culture_without_a_key_or_a_placeholder(string culture)
    {
        using var services = new ServiceCollection().AddLogging().AddLocalization().BuildServiceProvider();
        var text = services.GetRequiredService<IStringLocalizer<SharedResource>>();
        var expected = ResourceFiles.Texts(culture == "en" ? ResourceFiles.English : ResourceFiles.Chinese);
        var (before, beforeUi) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var problems = new List<string>();
            foreach (var (key, written) in expected)
            {
                var placeholders = ResourceFiles.Placeholders(written);
                // Numbered placeholders are filled by the caller's arguments; named ones ({first_item}) by the page.
                var arguments = placeholders.Where(p => char.IsDigit(p[1])).Select((_, i) => (object)$"value{i}").ToArray();
                // Without arguments nothing is formatted (a named placeholder is not a format item).
                var shown = arguments.Length == 0 ? text[key] : text[key, arguments];
                var filled = placeholders.Where(p => !char.IsDigit(p[1])).Aggregate(shown.Value, (s, p) => s.Replace(p, "1", StringComparison.Ordinal));
                if (shown.ResourceNotFound || filled == key)
                {
                    problems.Add($"{key}: not found");
                }
                else if (filled != written && !placeholders.Any())
                {
                    problems.Add($"{key}: shows \"{filled}\", the file says \"{written}\"");
                }
                else if (ResourceFiles.Placeholder().IsMatch(filled))
                {
                    problems.Add($"{key}: \"{filled}\" keeps a placeholder");
                }
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (before, beforeUi);
        }
    }
}
