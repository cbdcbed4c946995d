using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>The portal's texts as written in its two resx files (English, Simplified Chinese), read from the repository.</summary>
public static partial class ResourceFiles
{
    public const string English = "en";
    public const string Chinese = "zh-Hans";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> EnglishTexts = new(() => Load("SharedResource.resx"));
    private static readonly Lazy<IReadOnlyDictionary<string, string>> ChineseTexts = new(() => Load("SharedResource.zh-Hans.resx"));

    /// <summary>Key to text for <paramref name="culture"/> (<see cref="English"/> or <see cref="Chinese"/>).</summary>
    public static IReadOnlyDictionary<string, string> Texts(string culture) => culture switch
    {
        English => EnglishTexts.Value,
        Chinese => ChineseTexts.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(culture), culture, "The portal has English and zh-Hans texts."),
    };

    /// <summary>The placeholders of one text, as a sorted set: "{0}", "{1}", "{first_item}".</summary>
    public static IReadOnlyList<string> Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>A placeholder left in shown text: "{0}", "{1:N0}", "{first_item}".</summary>
    [GeneratedRegex(@"\{(?:\d+(?:[,:][^{}]*)?|[a-z_]+)\}")]
    public static partial Regex Placeholder();

    private static Dictionary<string, string> Load(string file)
    {
        var path = Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal", "Resources", file);
        var entries = XDocument.Load(path).Root!.Elements("data").Select(d => (Key: (string)d.Attribute("name")!, Value: (string?)d.Element("value") ?? "")).ToList();
        var duplicate = entries.GroupBy(e => e.Key).FirstOrDefault(g => g.Count() > 1);
        Assert.True(duplicate is null, $"{file} has {duplicate?.Key} more than once");
        return entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }
}
