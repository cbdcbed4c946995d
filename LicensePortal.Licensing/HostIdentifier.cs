using System.Diagnostics.CodeAnalysis;

namespace LicensePortal.Licensing;

/// <summary>The kinds of hardware and system identifiers a host can present, in their canonical order.</summary>
public enum HostIdentifierKind
{
    /// <summary>The MAC address of a physical network interface (<c>mac</c>).</summary>
    Mac = 0,

    /// <summary>The DMI product serial (or, without one, the board serial) (<c>dmi-serial</c>).</summary>
    DmiSerial = 1,

    /// <summary>The DMI product UUID, lower-case 8-4-4-4-12 hex (<c>dmi-uuid</c>).</summary>
    DmiUuid = 2,

    /// <summary>The 32 lower-case hex digits of /etc/machine-id (<c>machine-id</c>).</summary>
    MachineId = 3,
}

/// <summary>
/// One identifier of a host, written <c>kind value</c> (for example <c>mac 52:54:00:12:34:56</c>). A license records
/// several and needs only some of them to still match, so a replaced network card does not orphan it.
/// </summary>
public readonly record struct HostIdentifier
{
    /// <summary>Most identifiers a host info file or a license carries.</summary>
    public const int MaxCount = 16;

    private static readonly string[] KindNames = ["mac", "dmi-serial", "dmi-uuid", "machine-id"];

    private HostIdentifier(HostIdentifierKind kind, string value) => (Kind, Value) = (kind, value);

    /// <summary>What the identifier is.</summary>
    public HostIdentifierKind Kind { get; }

    /// <summary>Its canonical value (a normalized MAC, the serial as read, lower-case hex).</summary>
    public string Value { get; }

    /// <summary>Creates an identifier, normalizing a MAC address and the case of a UUID or machine id.</summary>
    /// <param name="kind">What it is.</param>
    /// <param name="value">Its value as read from the host.</param>
    /// <exception cref="ArgumentException">The value is not valid for the kind.</exception>
    public static HostIdentifier Create(HostIdentifierKind kind, string value)
    {
        if (!TryCreate(kind, value, out var identifier))
        {
            throw new ArgumentException($"'{value}' is not a valid {NameOf(kind)} identifier.", nameof(value));
        }

        return identifier;
    }

    /// <summary>Creates an identifier if the value is valid for the kind (see <see cref="Create"/>).</summary>
    /// <param name="kind">What it is.</param>
    /// <param name="value">Its value as read from the host.</param>
    /// <param name="identifier">The identifier on success.</param>
    /// <returns>True when the value is valid.</returns>
    public static bool TryCreate(HostIdentifierKind kind, string? value, out HostIdentifier identifier)
    {
        identifier = default;
        string? canonical = kind switch
        {
            HostIdentifierKind.Mac => HostIdentity.TryNormalizeMac(value, out var mac) ? mac : null,
            HostIdentifierKind.DmiSerial => HostIdentity.IsValidSerial(value) ? value : null,
            HostIdentifierKind.DmiUuid => IsUuidText(value) ? value!.ToLowerInvariant() : null,
            HostIdentifierKind.MachineId => value is { Length: 32 } && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : null,
            _ => null,
        };
        if (canonical is null)
        {
            return false;
        }

        identifier = new HostIdentifier(kind, canonical);
        return true;
    }

    /// <summary>8-4-4-4-12 hex digits and nothing else (Guid parsing would also take signs and 0x inside a group).</summary>
    private static bool IsUuidText(string? value)
    {
        if (value is not { Length: 36 })
        {
            return false;
        }

        for (var i = 0; i < 36; i++)
        {
            var hyphen = i is 8 or 13 or 18 or 23;
            if (hyphen ? value[i] != '-' : !char.IsAsciiHexDigit(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Canonical order (kind, then value) without duplicates, with no limit on the count (what a host presents).</summary>
    /// <param name="identifiers">The identifiers.</param>
    /// <returns>Sorted distinct identifiers.</returns>
    internal static HostIdentifier[] SortedDistinct(IEnumerable<HostIdentifier> identifiers)
    {
        var list = identifiers.Where(i => i.Value is not null).Distinct().ToArray();
        Array.Sort(list, Compare);
        return list;
    }

    /// <summary>Reads the canonical text form <c>kind value</c>; only text <see cref="ToString"/> writes is accepted.</summary>
    /// <param name="text">The text.</param>
    /// <param name="identifier">The identifier on success.</param>
    /// <returns>True when the text is a canonical identifier.</returns>
    public static bool TryParse(string? text, out HostIdentifier identifier)
    {
        identifier = default;
        var space = text?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (text is null || space < 0)
        {
            return false;
        }

        var kind = Array.IndexOf(KindNames, text[..space]);
        return kind >= 0
            && TryCreate((HostIdentifierKind)kind, text[(space + 1)..], out identifier)
            && string.Equals(identifier.ToString(), text, StringComparison.Ordinal);
    }

    /// <summary>The identifier a serial number line stands for: <c>machine-id:</c> + id is the machine id, anything else the DMI serial.</summary>
    /// <param name="serialNumber">A valid serial number (seed line 9).</param>
    /// <returns>The identifier.</returns>
    /// <exception cref="ArgumentException">The serial number is not valid.</exception>
    public static HostIdentifier FromSerialNumber(string serialNumber)
    {
        const string MachineIdPrefix = "machine-id:";
        if (serialNumber is not null && serialNumber.StartsWith(MachineIdPrefix, StringComparison.Ordinal)
            && TryCreate(HostIdentifierKind.MachineId, serialNumber[MachineIdPrefix.Length..], out var machineId))
        {
            return machineId;
        }

        return Create(HostIdentifierKind.DmiSerial, serialNumber!);
    }

    /// <summary>The kind's name as written in files (<c>mac</c>, <c>dmi-serial</c>, <c>dmi-uuid</c>, <c>machine-id</c>).</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Its name.</returns>
    public static string NameOf(HostIdentifierKind kind) => KindNames[(int)kind];

    /// <summary>Puts identifiers in canonical order and refuses duplicates, an empty list or more than <see cref="MaxCount"/>.</summary>
    /// <param name="identifiers">The identifiers.</param>
    /// <param name="sorted">Sorted by kind, then by value (ordinal).</param>
    /// <returns>True when the list is usable.</returns>
    public static bool TryCanonicalize(IEnumerable<HostIdentifier> identifiers, [NotNullWhen(true)] out IReadOnlyList<HostIdentifier>? sorted)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        var list = identifiers.ToArray();
        sorted = null;
        if (list.Length is 0 or > MaxCount || list.Any(i => i.Value is null))
        {
            return false;
        }

        Array.Sort(list, Compare);

        for (var i = 1; i < list.Length; i++)
        {
            if (list[i] == list[i - 1])
            {
                return false;
            }
        }

        sorted = list;
        return true;
    }

    private static int Compare(HostIdentifier a, HostIdentifier b) =>
        a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Value, b.Value);

    /// <summary>The canonical text form, <c>kind value</c>.</summary>
    /// <returns>For example <c>mac 52:54:00:12:34:56</c>.</returns>
    public override string ToString() => NameOf(Kind) + " " + Value;
}
