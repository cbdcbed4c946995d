using System.Text;

namespace LicensePortal.Licensing;

/// <summary>How an armored block failed to parse.</summary>
internal enum ArmorProblem
{
    None,
    Truncated,
    Malformed,
}

/// <summary>A parsed armored block: label, ordered header lines and the decoded body.</summary>
internal sealed class ArmorBlock
{
    public ArmorBlock(string label, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body)
    {
        Label = label;
        Headers = headers;
        Body = body;
    }

    public string Label { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public byte[] Body { get; }

    /// <summary>The UTF-8 bytes of the header lines, each "Name: Value\n" (the license AEAD associated data).</summary>
    public byte[] HeaderBytes() => Encoding.UTF8.GetBytes(Armor.HeaderText(Headers));
}

/// <summary>
/// The armored text used by key files and license files:
/// <c>-----BEGIN LABEL-----\n</c>, header lines <c>Name: Value\n</c>, one empty line, base64 body in lines
/// of 64 characters, <c>-----END LABEL-----\n</c>. Only the canonical form is accepted (after CRLF
/// normalization; the final LF may be missing), so every changed character is detected.
/// </summary>
internal static class Armor
{
    public const int LineWidth = 64;
    private const string Dashes = "-----";

    public static string HeaderText(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in headers)
        {
            sb.Append(name).Append(": ").Append(value).Append('\n');
        }

        return sb.ToString();
    }

    public static string Write(string label, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        var sb = new StringBuilder();
        sb.Append(Dashes).Append("BEGIN ").Append(label).Append(Dashes).Append('\n');
        sb.Append(HeaderText(headers));
        sb.Append('\n');
        var b64 = Convert.ToBase64String(body);
        for (var i = 0; i < b64.Length; i += LineWidth)
        {
            sb.Append(b64.AsSpan(i, Math.Min(LineWidth, b64.Length - i))).Append('\n');
        }

        sb.Append(Dashes).Append("END ").Append(label).Append(Dashes).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads only the label of the first line, to tell key types apart. Null if there is none.</summary>
    public static string? PeekLabel(string normalizedText)
    {
        var end = normalizedText.IndexOf('\n', StringComparison.Ordinal);
        var first = end < 0 ? normalizedText : normalizedText[..end];
        return TryLabel(first, "BEGIN ", out var label) ? label : null;
    }

    private static bool TryLabel(string line, string kind, out string label)
    {
        label = string.Empty;
        var prefix = Dashes + kind;
        if (!line.StartsWith(prefix, StringComparison.Ordinal) || !line.EndsWith(Dashes, StringComparison.Ordinal) || line.Length <= prefix.Length + Dashes.Length)
        {
            return false;
        }

        label = line[prefix.Length..^Dashes.Length];
        foreach (var c in label)
        {
            if (c is not ((>= 'A' and <= 'Z') or ' '))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses text already checked by <see cref="TextInput"/> (LF line endings).</summary>
    public static ArmorProblem TryParse(string text, out ArmorBlock? block, out string detail)
    {
        block = null;
        var lines = text.Split('\n');
        var count = lines.Length;
        if (count > 0 && lines[^1].Length == 0)
        {
            count--;
        }

        if (count == 0 || !TryLabel(lines[0], "BEGIN ", out var label))
        {
            detail = "the first line is not a LicensePortal armor line (-----BEGIN ...-----)";
            return ArmorProblem.Malformed;
        }

        var headers = new List<KeyValuePair<string, string>>();
        var i = 1;
        for (; i < count && lines[i].Length > 0; i++)
        {
            if (lines[i].StartsWith(Dashes, StringComparison.Ordinal))
            {
                detail = "the header block is not followed by an empty line";
                return ArmorProblem.Malformed;
            }

            var colon = lines[i].IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0 && i == count - 1 && !text.EndsWith('\n'))
            {
                detail = "the file ends inside the header block";
                return ArmorProblem.Truncated;
            }

            if (colon <= 0)
            {
                detail = $"line {i + 1} is not a 'Name: value' header";
                return ArmorProblem.Malformed;
            }

            headers.Add(new(lines[i][..colon], lines[i][(colon + 2)..]));
        }

        if (i >= count)
        {
            detail = "the file ends inside the header block";
            return ArmorProblem.Truncated;
        }

        i++; // the empty line
        var body = new StringBuilder();
        var ended = false;
        for (; i < count; i++)
        {
            if (lines[i].StartsWith(Dashes, StringComparison.Ordinal))
            {
                var endLine = Dashes + "END " + label + Dashes;
                if (i == count - 1 && !text.EndsWith('\n') && lines[i].Length < endLine.Length && endLine.StartsWith(lines[i], StringComparison.Ordinal))
                {
                    detail = "the file ends inside the END line";
                    return ArmorProblem.Truncated;
                }

                if (!TryLabel(lines[i], "END ", out var endLabel) || !string.Equals(endLabel, label, StringComparison.Ordinal))
                {
                    detail = $"the END line does not match '{label}'";
                    return ArmorProblem.Malformed;
                }

                ended = true;
                i++;
                break;
            }

            body.Append(lines[i]);
        }

        if (!ended)
        {
            detail = "the END line is missing";
            return ArmorProblem.Truncated;
        }

        if (i < count)
        {
            detail = "there is text after the END line";
            return ArmorProblem.Malformed;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(body.ToString());
        }
        catch (FormatException)
        {
            detail = "the body is not valid base64";
            return ArmorProblem.Malformed;
        }

        var canonical = Write(label, headers, bytes);
        if (!string.Equals(canonical, text, StringComparison.Ordinal) && !string.Equals(canonical[..^1], text, StringComparison.Ordinal))
        {
            detail = "the file is not in canonical form (spacing, line width or base64 padding was changed)";
            return ArmorProblem.Malformed;
        }

        block = new ArmorBlock(label, headers, bytes);
        detail = string.Empty;
        return ArmorProblem.None;
    }
}
