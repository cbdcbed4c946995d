using System.Globalization;
using System.Text;

namespace LicensePortal.Licensing;

/// <summary>
/// The decrypted license: the seed's nine values (quotas, expiry, MAC, serial) followed by extra
/// "key: value" lines that bind it to a host key and vendor key and order revisions.
/// </summary>
public sealed record LicenseContent
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string DateFormat = "yyyy-MM-dd";

    private static readonly string[] ExtraNames = ["issued-at", "revision", "instance", "host-key-fingerprint", "vendor-key-id", "root-key-id"];
    private const string HostMatchName = "host-match";
    private const string HostIdName = "host-id";

    /// <summary>Lines before the host identifiers: the nine seed lines, the six extra lines and <c>host-match</c>.</summary>
    private const int FixedLines = 9 + 6 + 1;

    /// <summary>Maximum concurrent desktops (seed line 1).</summary>
    public required int MaxDesktops { get; init; }

    /// <summary>Maximum images (seed line 2).</summary>
    public required int MaxImages { get; init; }

    /// <summary>Maximum concurrent users (seed line 3).</summary>
    public required int MaxUsers { get; init; }

    /// <summary>Maximum virtual CPUs (seed line 4).</summary>
    public required int MaxVcpus { get; init; }

    /// <summary>Maximum virtual memory in GiB (seed line 5).</summary>
    public required int MaxVmemGib { get; init; }

    /// <summary>Maximum virtual disk in GiB (seed line 6).</summary>
    public required int MaxVdiskGib { get; init; }

    /// <summary>Last day the license is valid, inclusive, compared with the UTC date (seed line 7).</summary>
    public required DateOnly ExpiresOn { get; init; }

    /// <summary>The licensed host's MAC address, lower-case aa:bb:cc:dd:ee:ff (seed line 8).</summary>
    public required string Mac { get; init; }

    /// <summary>The licensed host's serial number (seed line 9).</summary>
    public required string SerialNumber { get; init; }

    /// <summary>When the license was issued (UTC). Serialized to whole seconds; fractions are dropped.</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>License revision for the instance, starting at 1; a host refuses a lower revision than the installed one.</summary>
    public required int Revision { get; init; }

    /// <summary>The portal instance name.</summary>
    public required string InstanceName { get; init; }

    /// <summary>Fingerprint of the host key the license is for. Empty means "fill in at issue time".</summary>
    public string HostKeyFingerprint { get; init; } = string.Empty;

    /// <summary>Key id of the vendor signing key that signs the license. Empty means "fill in at issue time".</summary>
    public string VendorKeyId { get; init; } = string.Empty;

    /// <summary>Key id of the vendor root that certified the signing key. Empty means "fill in at issue time".</summary>
    public string RootKeyId { get; init; } = string.Empty;

    /// <summary>
    /// The host identifiers the license was issued for, in canonical order. Empty means the primary MAC address and the
    /// serial number alone (<see cref="EffectiveHostIdentifiers"/>).
    /// </summary>
    public IReadOnlyList<HostIdentifier> HostIdentifiers { get; init; } = [];

    /// <summary>
    /// How many of <see cref="EffectiveHostIdentifiers"/> a host must still present, 1 to all of them; 0 means all of them.
    /// </summary>
    public int RequiredHostMatches { get; init; }

    /// <summary>The identifiers written in the license: <see cref="HostIdentifiers"/>, or the MAC and serial when it is empty.</summary>
    public IReadOnlyList<HostIdentifier> EffectiveHostIdentifiers => HostIdentifiers.Count > 0
        ? HostIdentifiers
        : new HostIdentity(Mac, SerialNumber).Identifiers;

    /// <summary>The number of identifiers that must match as written in the license (<see cref="RequiredHostMatches"/>, 0 read as all).</summary>
    public int EffectiveRequiredHostMatches => RequiredHostMatches == 0 ? EffectiveHostIdentifiers.Count : RequiredHostMatches;

    /// <summary>Serializes the content: nine seed lines, the extra lines, then the host match count and identifiers, each ending with LF.</summary>
    /// <returns>The plaintext.</returns>
    /// <exception cref="LicenseException">A value cannot be serialized (negative quota, bad MAC, empty fingerprint...).</exception>
    public string ToText()
    {
        Validate();
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        foreach (var quota in new[] { MaxDesktops, MaxImages, MaxUsers, MaxVcpus, MaxVmemGib, MaxVdiskGib })
        {
            sb.Append(quota.ToString(inv)).Append('\n');
        }

        sb.Append(ExpiresOn.ToString(DateFormat, inv)).Append('\n');
        sb.Append(Mac).Append('\n');
        sb.Append(SerialNumber).Append('\n');
        var extras = new[] { IssuedAt.ToUniversalTime().ToString(TimeFormat, inv), Revision.ToString(inv), InstanceName, HostKeyFingerprint, VendorKeyId, RootKeyId };
        for (var i = 0; i < extras.Length; i++)
        {
            sb.Append(ExtraNames[i]).Append(": ").Append(extras[i]).Append('\n');
        }

        sb.Append(HostMatchName).Append(": ").Append(EffectiveRequiredHostMatches.ToString(inv)).Append('\n');
        foreach (var identifier in EffectiveHostIdentifiers)
        {
            sb.Append(HostIdName).Append(": ").Append(identifier.ToString()).Append('\n');
        }

        return sb.ToString();
    }

    internal byte[] ToBytes() => Encoding.UTF8.GetBytes(ToText());

    /// <summary>
    /// Parses the plaintext written by <see cref="ToText"/>. Only the exact canonical form is accepted: LF line endings
    /// only (the plaintext travels inside the encrypted envelope, so it has no CRLF variant), fixed lines in order.
    /// </summary>
    /// <param name="text">The plaintext.</param>
    /// <returns>The content.</returns>
    /// <exception cref="LicenseException">The text is not a valid license content.</exception>
    public static LicenseContent Parse(string text)
    {
        if (text is not null && text.Contains('\r', StringComparison.Ordinal))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The license content has a CR: its lines end with LF only.");
        }

        var problem = TextInput.TryCheck(text, out var normalized);
        if (problem != TextProblem.None)
        {
            throw new LicenseException(problem switch
            {
                TextProblem.Empty => LicenseErrorCode.Empty,
                TextProblem.TooLarge => LicenseErrorCode.TooLarge,
                TextProblem.NotText => LicenseErrorCode.NotText,
                _ => LicenseErrorCode.Malformed,
            }, "The license content is not valid text.");
        }

        if (!normalized.EndsWith('\n'))
        {
            throw new LicenseException(LicenseErrorCode.Truncated, "The license content does not end with a line feed.");
        }

        var lines = normalized[..^1].Split('\n');
        if (lines.Length <= FixedLines)
        {
            throw new LicenseException(LicenseErrorCode.Truncated, $"The license content has {lines.Length} lines; expected at least {FixedLines + 1}.");
        }

        if (lines.Length > FixedLines + HostIdentifier.MaxCount)
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"The license content has {lines.Length} lines; expected at most {FixedLines + HostIdentifier.MaxCount}.");
        }

        var quotas = new int[6];
        for (var i = 0; i < 6; i++)
        {
            quotas[i] = ParseInt(lines[i], $"line {i + 1}");
        }

        if (!DateOnly.TryParseExact(lines[6], DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"Line 7 '{lines[6]}' is not a date like 2027-12-31.");
        }

        var extras = new string[ExtraNames.Length];
        for (var i = 0; i < ExtraNames.Length; i++)
        {
            var prefix = ExtraNames[i] + ": ";
            var line = lines[9 + i];
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new LicenseException(LicenseErrorCode.Malformed, $"Line {10 + i} must start with '{prefix}'.");
            }

            extras[i] = line[prefix.Length..];
        }

        if (!DateTimeOffset.TryParseExact(extras[0], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var issued))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"'{extras[0]}' is not a UTC time like 2026-11-28T12:00:00Z.");
        }

        var requiredMatches = ParseInt(FieldValue(lines[FixedLines - 1], HostMatchName, FixedLines), HostMatchName);
        var identifiers = new HostIdentifier[lines.Length - FixedLines];
        for (var i = 0; i < identifiers.Length; i++)
        {
            if (!HostIdentifier.TryParse(FieldValue(lines[FixedLines + i], HostIdName, FixedLines + i + 1), out identifiers[i]))
            {
                throw new LicenseException(LicenseErrorCode.Malformed, $"Line {FixedLines + i + 1} is not a host identifier (kind and canonical value).");
            }
        }

        var content = new LicenseContent
        {
            MaxDesktops = quotas[0],
            MaxImages = quotas[1],
            MaxUsers = quotas[2],
            MaxVcpus = quotas[3],
            MaxVmemGib = quotas[4],
            MaxVdiskGib = quotas[5],
            ExpiresOn = expires,
            Mac = lines[7],
            SerialNumber = lines[8],
            IssuedAt = issued,
            Revision = ParseInt(extras[1], "revision"),
            InstanceName = extras[2],
            HostKeyFingerprint = extras[3],
            VendorKeyId = extras[4],
            RootKeyId = extras[5],
            HostIdentifiers = identifiers,
            RequiredHostMatches = requiredMatches,
        };

        // Canonical form only: what we parsed must serialize back to the same text.
        if (!string.Equals(content.ToText(), normalized, StringComparison.Ordinal))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The license content is not in canonical form.");
        }

        return content;
    }

    /// <summary>True when both contents have the same values and would be written the same (the host identifiers as written).</summary>
    /// <param name="other">The other content.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(LicenseContent? other) =>
        other is not null && MaxDesktops == other.MaxDesktops && MaxImages == other.MaxImages && MaxUsers == other.MaxUsers
        && MaxVcpus == other.MaxVcpus && MaxVmemGib == other.MaxVmemGib && MaxVdiskGib == other.MaxVdiskGib
        && ExpiresOn == other.ExpiresOn && Mac == other.Mac && SerialNumber == other.SerialNumber && IssuedAt == other.IssuedAt
        && Revision == other.Revision && InstanceName == other.InstanceName && HostKeyFingerprint == other.HostKeyFingerprint
        && VendorKeyId == other.VendorKeyId && RootKeyId == other.RootKeyId
        && EffectiveRequiredHostMatches == other.EffectiveRequiredHostMatches
        && EffectiveHostIdentifiers.SequenceEqual(other.EffectiveHostIdentifiers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(InstanceName, Revision, IssuedAt, HostKeyFingerprint, Mac, SerialNumber);

    /// <summary>True if both contents serialize to the same text.</summary>
    internal bool SameAs(LicenseContent other) => string.Equals(ToText(), other.ToText(), StringComparison.Ordinal);

    private void Validate()
    {
        ReadOnlySpan<(int Value, string Name)> quotas =
        [
            (MaxDesktops, nameof(MaxDesktops)), (MaxImages, nameof(MaxImages)), (MaxUsers, nameof(MaxUsers)),
            (MaxVcpus, nameof(MaxVcpus)), (MaxVmemGib, nameof(MaxVmemGib)), (MaxVdiskGib, nameof(MaxVdiskGib)),
        ];
        foreach (var (value, name) in quotas)
        {
            if (value < 0)
            {
                throw new LicenseException(LicenseErrorCode.Malformed, $"{name} must not be negative.");
            }
        }

        if (Revision < 1)
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "Revision starts at 1.");
        }

        if (Mac is null || !HostIdentity.IsNormalizedMac(Mac))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"'{Mac}' is not a normalized MAC address (aa:bb:cc:dd:ee:ff).");
        }

        if (!HostIdentity.IsValidSerial(SerialNumber))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The serial number is empty, too long or contains invalid characters.");
        }

        if (!TextInput.IsSafeValue(InstanceName, HostInfoFile.MaxInstanceNameLength))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The instance name is empty, too long or contains invalid characters.");
        }

        if (HostKeyFingerprint is null || !Primitives.IsLowerHex(HostKeyFingerprint, 64))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The host key fingerprint must be 64 lower-case hex characters.");
        }

        if (VendorKeyId is null || !Primitives.IsLowerHex(VendorKeyId, 16))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The vendor key id must be 16 lower-case hex characters.");
        }

        if (RootKeyId is null || !Primitives.IsLowerHex(RootKeyId, 16))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, "The root key id must be 16 lower-case hex characters.");
        }

        // Canonical order and no duplicates, so a license has one text form.
        if (HostIdentifiers is null || (HostIdentifiers.Count > 0
            && (!HostIdentifier.TryCanonicalize(HostIdentifiers, out var sorted) || !sorted.SequenceEqual(HostIdentifiers))))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"The host identifiers must be 1-{HostIdentifier.MaxCount} distinct valid identifiers in canonical order.");
        }

        if (RequiredHostMatches < 0 || RequiredHostMatches > EffectiveHostIdentifiers.Count)
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"The host match count must be between 1 and the number of host identifiers ({EffectiveHostIdentifiers.Count}).");
        }
    }

    private static string FieldValue(string line, string name, int lineNumber)
    {
        var prefix = name + ": ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"Line {lineNumber} must start with '{prefix}'.");
        }

        return line[prefix.Length..];
    }

    private static int ParseInt(string value, string what)
    {
        // Canonical decimal only: digits, no sign, no leading zeros (except "0").
        if (value.Length is 0 or > 10 || !value.All(char.IsAsciiDigit) || (value.Length > 1 && value[0] == '0')
            || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result))
        {
            throw new LicenseException(LicenseErrorCode.Malformed, $"The {what} value '{value}' is not a non-negative integer.");
        }

        return result;
    }
}
