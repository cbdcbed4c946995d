using System.Text;

namespace LicensePortal.Licensing;

/// <summary>Why a piece of input was refused before it was parsed.</summary>
internal enum TextProblem
{
    None,
    Empty,
    TooLarge,
    NotText,
    MixedLineEndings,
}

/// <summary>
/// Shared checks for every text file this library reads: size limit, strict UTF-8, no control
/// characters other than LF (and CR as part of CRLF), and one consistent line ending.
/// </summary>
internal static class TextInput
{
    /// <summary>Largest accepted file: 64 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes bytes as strict UTF-8 and normalizes consistent CRLF to LF.</summary>
    public static TextProblem TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        text = string.Empty;
        if (bytes.IsEmpty)
        {
            return TextProblem.Empty;
        }

        if (bytes.Length > MaxBytes)
        {
            return TextProblem.TooLarge;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return TextProblem.NotText;
        }

        return Normalize(decoded, out text);
    }

    /// <summary>Checks a string the same way as <see cref="TryDecode"/> does for bytes.</summary>
    public static TextProblem TryCheck(string? input, out string text)
    {
        text = string.Empty;
        if (string.IsNullOrEmpty(input))
        {
            return TextProblem.Empty;
        }

        // Each UTF-16 unit becomes at least one UTF-8 byte.
        if (input.Length > MaxBytes)
        {
            return TextProblem.TooLarge;
        }

        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(input);
        }
        catch (EncoderFallbackException)
        {
            return TextProblem.NotText;
        }

        return byteCount > MaxBytes ? TextProblem.TooLarge : Normalize(input, out text);
    }

    private static TextProblem Normalize(string decoded, out string text)
    {
        text = string.Empty;
        var crlf = 0;
        var lf = 0;
        for (var i = 0; i < decoded.Length; i++)
        {
            var c = decoded[i];
            if (c == '\n')
            {
                if (i > 0 && decoded[i - 1] == '\r')
                {
                    crlf++;
                }
                else
                {
                    lf++;
                }
            }
            else if (c == '\r')
            {
                if (i + 1 >= decoded.Length || decoded[i + 1] != '\n')
                {
                    return TextProblem.MixedLineEndings;
                }
            }
            else if (c == '\uFEFF' || char.IsControl(c))
            {
                // Byte order marks, NUL, tabs and other control characters never occur in our files.
                return TextProblem.NotText;
            }
        }

        if (crlf > 0 && lf > 0)
        {
            return TextProblem.MixedLineEndings;
        }

        text = crlf > 0 ? decoded.Replace("\r\n", "\n", StringComparison.Ordinal) : decoded;
        return TextProblem.None;
    }

    /// <summary>True if the value is a single-line, printable, trimmed string of 1..maxLength characters.</summary>
    public static bool IsSafeValue(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) || c == '\uFEFF' || c == '\u2028' || c == '\u2029')
            {
                return false;
            }
        }

        // Lone surrogates cannot be encoded as UTF-8.
        try
        {
            StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            return false;
        }

        return true;
    }
}
