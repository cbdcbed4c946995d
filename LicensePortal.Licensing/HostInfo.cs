using System.Globalization;
using System.Text;

namespace LicensePortal.Licensing;

/// <summary>A verified host info file: what the host tells the portal about itself.</summary>
/// <param name="InstanceName">The portal instance this host is for.</param>
/// <param name="Mac">MAC address, lower-case aa:bb:cc:dd:ee:ff.</param>
/// <param name="SerialNumber">Machine serial number.</param>
/// <param name="HostPublicKey">The host's Ed25519 and X25519 public keys.</param>
/// <param name="CreatedAt">When the file was written (UTC, whole seconds).</param>
/// <param name="CheckCode">The host's Ed25519 signature over the file, base64.</param>
/// <param name="Identifiers">Every identifier the host presented, canonical order, the MAC and serial included.</param>
public sealed record HostInfo(string InstanceName, string Mac, string SerialNumber, HostPublicKey HostPublicKey, DateTimeOffset CreatedAt, string CheckCode, IReadOnlyList<HostIdentifier> Identifiers)
{
    /// <summary>The host key fingerprint (<see cref="HostPublicKey.Fingerprint"/>).</summary>
    public string HostKeyFingerprint => HostPublicKey.Fingerprint;

    /// <summary>The MAC address, serial number and identifiers as a <see cref="HostIdentity"/>.</summary>
    public HostIdentity Identity => new(Mac, SerialNumber, Identifiers);

    /// <summary>True when every value, the identifiers included (in order), is the same.</summary>
    /// <param name="other">The other host info.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(HostInfo? other) =>
        other is not null && InstanceName == other.InstanceName && Mac == other.Mac && SerialNumber == other.SerialNumber
        && Equals(HostPublicKey, other.HostPublicKey) && CreatedAt == other.CreatedAt && CheckCode == other.CheckCode
        && Identifiers.SequenceEqual(other.Identifiers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(InstanceName, Mac, SerialNumber, HostPublicKey, CreatedAt, CheckCode, Identifiers.Count);
}

/// <summary>
/// Writes and reads the host info file: LF-terminated text lines, the last one the check code (an Ed25519 signature by
/// the host's own key over "licenseportal-hostinfo-v2\n" followed by the exact bytes of every line above it). Version 2
/// has one <c>Host-Id</c> line per identifier after the serial; version 1 (eight lines, no identifiers, domain
/// "licenseportal-hostinfo-v1\n") is still read.
/// </summary>
public static class HostInfoFile
{
    /// <summary>Largest accepted instance name length (characters).</summary>
    public const int MaxInstanceNameLength = 64;

    internal static readonly byte[] SignatureDomainV1 = Encoding.ASCII.GetBytes("licenseportal-hostinfo-v1\n");
    internal static readonly byte[] SignatureDomain = Encoding.ASCII.GetBytes("licenseportal-hostinfo-v2\n");
    private const string HostIdField = "Host-Id";

    /// <summary>Lines of the file without its <c>Host-Id</c> lines.</summary>
    private const int FixedLines = 8;

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    private static readonly string[] FieldNames =
    [
        "LicensePortal-HostInfo",
        "Instance",
        "MAC",
        "Serial",
        "Created",
        "Host-Signing-Key",
        "Host-Encryption-Key",
        "Check-Code",
    ];

    /// <summary>Writes a host info file signed by the host key.</summary>
    /// <param name="instanceName">Portal instance name (1-64 printable characters).</param>
    /// <param name="mac">MAC address; normalized to aa:bb:cc:dd:ee:ff.</param>
    /// <param name="serialNumber">Machine serial number (1-128 printable characters).</param>
    /// <param name="hostKey">The host key that signs the file and whose public parts it carries.</param>
    /// <param name="createdAt">Creation time; written in UTC, truncated to whole seconds.</param>
    /// <param name="identifiers">Every other identifier read on the host (the MAC and serial are always included).</param>
    /// <returns>The file text (UTF-8, LF line endings).</returns>
    /// <exception cref="ArgumentException">A value cannot be written.</exception>
    public static string Write(string instanceName, string mac, string serialNumber, HostKey hostKey, DateTimeOffset createdAt, IEnumerable<HostIdentifier>? identifiers = null)
    {
        ArgumentNullException.ThrowIfNull(hostKey);
        if (!TextInput.IsSafeValue(instanceName, MaxInstanceNameLength))
        {
            throw new ArgumentException("The instance name must be 1-64 printable characters without leading or trailing spaces.", nameof(instanceName));
        }

        var identity = new HostIdentity(mac, serialNumber, identifiers ?? []);
        if (identity.Identifiers.Count > HostIdentifier.MaxCount)
        {
            throw new ArgumentException($"A host info file carries at most {HostIdentifier.MaxCount} identifiers; {identity.Identifiers.Count} were given.", nameof(identifiers));
        }

        var created = createdAt.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture);
        var values = new[]
        {
            "2",
            instanceName,
            identity.Mac,
            identity.SerialNumber,
            created,
            hostKey.PublicKey.SigningKeyBase64,
            hostKey.PublicKey.EncryptionKeyBase64,
        };
        var sb = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (i == 4)
            {
                foreach (var identifier in identity.Identifiers)
                {
                    sb.Append(HostIdField).Append(": ").Append(identifier.ToString()).Append('\n');
                }
            }

            sb.Append(FieldNames[i]).Append(": ").Append(values[i]).Append('\n');
        }

        var signed = Encoding.UTF8.GetBytes(sb.ToString());
        var signature = hostKey.SignHostInfo(SignatureDomain, signed);
        sb.Append(FieldNames[^1]).Append(": ").Append(Convert.ToBase64String(signature)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Largest host info file any reader accepts, in bytes (64 KiB).</summary>
    public const int MaxBytes = TextInput.MaxBytes;

    /// <summary>
    /// Says whether input is a host info file at all, before its lines, fields and check code are judged: empty, over
    /// <paramref name="maxBytes"/> (at most <see cref="MaxBytes"/>), not text by the format's rules (invalid UTF-8, a byte
    /// order mark, a control character other than CR and LF), or text that does not start with the format's first line.
    /// A portal refuses such input and changes nothing; anything else is parsed, and a parse failure is a damaged file.
    /// </summary>
    /// <param name="bytes">The uploaded bytes.</param>
    /// <param name="maxBytes">The reader's own limit, at most <see cref="MaxBytes"/>.</param>
    /// <returns>Null when the input may be a host info file; otherwise why it is not one.</returns>
    public static HostInfoErrorCode? Screen(ReadOnlySpan<byte> bytes, int maxBytes = MaxBytes)
    {
        if (!bytes.IsEmpty && bytes.Length > Math.Min(maxBytes, MaxBytes))
        {
            return HostInfoErrorCode.TooLarge;
        }

        return TextInput.TryDecode(bytes, out var text) switch
        {
            TextProblem.Empty => HostInfoErrorCode.Empty,
            TextProblem.TooLarge => HostInfoErrorCode.TooLarge,
            TextProblem.NotText => HostInfoErrorCode.NotText,
            // Inconsistent line endings are a damaged host info file, judged by the parser.
            TextProblem.MixedLineEndings => bytes.StartsWith(FirstLinePrefix) ? null : HostInfoErrorCode.NotHostInfo,
            _ => text.StartsWith(FieldNames[0] + ":", StringComparison.Ordinal) ? null : HostInfoErrorCode.NotHostInfo,
        };
    }

    private static ReadOnlySpan<byte> FirstLinePrefix => "LicensePortal-HostInfo:"u8;

    /// <summary>Parses a host info file and verifies its check code.</summary>
    /// <param name="text">The file text.</param>
    /// <returns>The verified host info.</returns>
    /// <exception cref="HostInfoException">The file is malformed or was edited.</exception>
    public static HostInfo Parse(string text)
    {
        var problem = TextInput.TryCheck(text, out var normalized);
        return ParseChecked(problem, normalized);
    }

    /// <summary>Parses a host info file (as uploaded bytes) and verifies its check code.</summary>
    /// <param name="bytes">The file bytes (UTF-8).</param>
    /// <returns>The verified host info.</returns>
    /// <exception cref="HostInfoException">The file is too large, binary, malformed or was edited.</exception>
    public static HostInfo Parse(ReadOnlySpan<byte> bytes)
    {
        var problem = TextInput.TryDecode(bytes, out var normalized);
        return ParseChecked(problem, normalized);
    }

    /// <summary>Parses a host info file without throwing.</summary>
    /// <param name="bytes">The file bytes (UTF-8).</param>
    /// <param name="hostInfo">The verified host info on success.</param>
    /// <param name="error">The reason on failure.</param>
    /// <returns>True on success.</returns>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out HostInfo? hostInfo, out HostInfoException? error)
    {
        try
        {
            hostInfo = Parse(bytes);
            error = null;
            return true;
        }
        catch (HostInfoException ex)
        {
            hostInfo = null;
            error = ex;
            return false;
        }
    }

    private static HostInfo ParseChecked(TextProblem problem, string text)
    {
        switch (problem)
        {
            case TextProblem.Empty:
                throw new HostInfoException(HostInfoErrorCode.Empty, "The host info file is empty.");
            case TextProblem.TooLarge:
                throw new HostInfoException(HostInfoErrorCode.TooLarge, "The host info file is larger than 64 KiB.");
            case TextProblem.NotText:
                throw new HostInfoException(HostInfoErrorCode.NotText, "The host info file is binary or not UTF-8 text.");
            case TextProblem.MixedLineEndings:
                throw new HostInfoException(HostInfoErrorCode.Malformed, "The host info file mixes CRLF and LF line endings.");
            case TextProblem.None:
                break;
        }

        var allLines = text.Split('\n');

        // The first line decides the version before anything else is judged.
        var first = SplitField(allLines[0], 0);
        var version = first switch { "1" => 1, "2" => 2, _ => 0 };
        if (version == 0)
        {
            if (first.Length > 0 && first.All(char.IsAsciiDigit))
            {
                throw new HostInfoException(HostInfoErrorCode.UnsupportedVersion, $"Host info format version {first} is not supported (expected 2 or 1).");
            }

            throw new HostInfoException(HostInfoErrorCode.Malformed, "The file does not start with 'LicensePortal-HostInfo: 2'.");
        }

        // Version 2's Host-Id lines come after the serial; the other lines are judged as in version 1.
        var idLines = version == 2 ? HostIdLineCount(allLines) : 0;
        // Slices, not Take/Skip/Concat: on some short damaged files that LINQ chain threw ArgumentOutOfRangeException (a 500 on upload).
        string[] lines = allLines.Length <= 4 ? allLines : [.. allLines.AsSpan(0, 4), .. allLines.AsSpan(Math.Min(allLines.Length, 4 + idLines))];
        var count = lines.Length;
        if (lines[^1].Length == 0)
        {
            count--;
        }

        if (count > FieldNames.Length)
        {
            throw new HostInfoException(HostInfoErrorCode.Malformed, $"The host info file has {count} lines; expected {FieldNames.Length}.");
        }

        // A last line without its LF in a short file is a cut-off line: judge it as truncation.
        var complete = count < FieldNames.Length && !text.EndsWith('\n') ? count - 1 : count;
        var values = new string[FieldNames.Length];
        for (var i = 0; i < complete; i++)
        {
            values[i] = SplitField(lines[i], i);
        }

        if (count < FieldNames.Length)
        {
            throw new HostInfoException(HostInfoErrorCode.Truncated, $"The host info file ends after {count} of {FieldNames.Length} lines.");
        }

        if (!Primitives.TryDecodeBase64(values[7], Primitives.SignatureSize, out var signature))
        {
            // Written files always end with LF: a damaged last line without it was cut off.
            throw text.EndsWith('\n')
                ? new HostInfoException(HostInfoErrorCode.InvalidField, "The check code is not a base64 Ed25519 signature.")
                : new HostInfoException(HostInfoErrorCode.Truncated, "The host info file ends inside the check code.");
        }

        if (!TextInput.IsSafeValue(values[1], MaxInstanceNameLength))
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, "The instance name is empty, too long or contains invalid characters.");
        }

        if (!HostIdentity.IsNormalizedMac(values[2]))
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, $"'{values[2]}' is not a normalized MAC address (aa:bb:cc:dd:ee:ff).");
        }

        if (!HostIdentity.IsValidSerial(values[3]))
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, "The serial number is empty, too long or contains invalid characters.");
        }

        var identifiers = ParseIdentifiers(allLines.AsSpan(4, idLines), version, values[2], values[3]);

        if (!DateTimeOffset.TryParseExact(values[4], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created))
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, $"'{values[4]}' is not a UTC time like 2026-11-28T12:00:00Z.");
        }

        HostPublicKey hostPublicKey;
        try
        {
            hostPublicKey = HostPublicKey.FromBase64(values[5], values[6]);
        }
        catch (KeyFileException ex)
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, ex.Message);
        }

        // The signed bytes are every line above the check code, each with its LF.
        var signedLength = 0;
        for (var i = 0; i < FixedLines - 1 + idLines; i++)
        {
            signedLength += allLines[i].Length + 1;
        }

        var signed = Encoding.UTF8.GetBytes(text[..signedLength]);
        if (!Primitives.Ed25519Verify(hostPublicKey.SigningKey, version == 2 ? SignatureDomain : SignatureDomainV1, signed, signature))
        {
            throw new HostInfoException(HostInfoErrorCode.BadCheckCode, "The check code does not match the file: the host info was edited or damaged.");
        }

        // Judged after the check code, so an edited MAC or serial reads as an edited file.
        if (!identifiers.Contains(HostIdentifier.Create(HostIdentifierKind.Mac, values[2])) || !identifiers.Contains(HostIdentifier.FromSerialNumber(values[3])))
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, "The Host-Id lines do not include the file's MAC and serial.");
        }

        return new HostInfo(values[1], values[2], values[3], hostPublicKey, created, values[7], identifiers);
    }

    /// <summary>How many lines from the fifth on are complete <c>Host-Id</c> lines (a cut-off last line is not one).</summary>
    private static int HostIdLineCount(string[] lines)
    {
        var n = 0;
        while (4 + n < lines.Length - 1 && lines[4 + n].StartsWith(HostIdField + ": ", StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>Version 2: 1-16 canonical identifiers in canonical order, the MAC and serial among them; version 1: those two.</summary>
    private static IReadOnlyList<HostIdentifier> ParseIdentifiers(ReadOnlySpan<string> lines, int version, string mac, string serial)
    {
        if (version == 1)
        {
            return new HostIdentity(mac, serial).Identifiers;
        }

        var identifiers = new HostIdentifier[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            if (!HostIdentifier.TryParse(lines[i][(HostIdField.Length + 2)..], out identifiers[i]))
            {
                throw new HostInfoException(HostInfoErrorCode.InvalidField, $"Line {5 + i} is not a host identifier (mac, dmi-serial, dmi-uuid or machine-id and its canonical value).");
            }
        }

        if (!HostIdentifier.TryCanonicalize(identifiers, out var sorted) || !sorted.SequenceEqual(identifiers))
        {
            throw new HostInfoException(HostInfoErrorCode.InvalidField, $"The Host-Id lines must be 1-{HostIdentifier.MaxCount} distinct identifiers in canonical order.");
        }

        return sorted;
    }

    private static string SplitField(string line, int index)
    {
        var name = FieldNames[Math.Min(index, FieldNames.Length - 1)];
        var prefix = name + ": ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new HostInfoException(HostInfoErrorCode.Malformed, $"Line {index + 1} must start with '{prefix}'.");
        }

        return line[prefix.Length..];
    }
}
