using System.Diagnostics.CodeAnalysis;

namespace LicensePortal.Licensing;

/// <summary>
/// What binds a license to a machine besides its host key: the primary MAC address and serial number (the seed's lines 8
/// and 9) and every identifier the host presents (<see cref="Identifiers"/>), of which a license needs a number to match.
/// </summary>
public sealed record HostIdentity
{
    /// <summary>
    /// Creates a host identity presenting only its MAC address and serial number (the serial stands for the DMI serial, or
    /// the machine id when it is written <c>machine-id:</c> + id); the MAC address is normalized.
    /// </summary>
    /// <param name="mac">MAC address in any common notation (aa:bb:..., AA-BB-...).</param>
    /// <param name="serialNumber">The machine serial number, exactly as read.</param>
    /// <exception cref="ArgumentException">The MAC address or the serial number is invalid.</exception>
    public HostIdentity(string mac, string serialNumber)
        : this(mac, serialNumber, [])
    {
    }

    /// <summary>Creates a host identity presenting <paramref name="identifiers"/> as well as its MAC address and serial number.</summary>
    /// <param name="mac">Primary MAC address in any common notation.</param>
    /// <param name="serialNumber">The machine serial number, exactly as read.</param>
    /// <param name="identifiers">Every identifier read on the host; the MAC and serial are added when missing.</param>
    /// <exception cref="ArgumentException">A value is invalid.</exception>
    public HostIdentity(string mac, string serialNumber, IEnumerable<HostIdentifier> identifiers)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        if (!TryNormalizeMac(mac, out var normalized))
        {
            throw new ArgumentException($"'{mac}' is not a MAC address (expected six hex pairs like 52:54:00:12:34:56).", nameof(mac));
        }

        if (!IsValidSerial(serialNumber))
        {
            throw new ArgumentException("The serial number must be 1-128 printable characters without leading or trailing spaces.", nameof(serialNumber));
        }

        Mac = normalized;
        SerialNumber = serialNumber;
        // No cap here: the limit is on what files carry, and a host with many ports must still be checkable.
        var given = identifiers.ToArray();
        if (given.Any(i => i.Value is null))
        {
            throw new ArgumentException("An identifier has no value (a default HostIdentifier).", nameof(identifiers));
        }

        Identifiers = HostIdentifier.SortedDistinct(given.Append(HostIdentifier.Create(HostIdentifierKind.Mac, normalized)).Append(HostIdentifier.FromSerialNumber(serialNumber)));
    }

    /// <summary>Every identifier this host presents, in canonical order, its primary MAC and serial included.</summary>
    public IReadOnlyList<HostIdentifier> Identifiers { get; }

    /// <summary>Which of <paramref name="recorded"/> this host still presents.</summary>
    /// <param name="recorded">The identifiers a license or a portal recorded.</param>
    /// <returns>The recorded identifiers found here, in their order.</returns>
    public IReadOnlyList<HostIdentifier> Present(IEnumerable<HostIdentifier> recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return recorded.Where(r => Identifiers.Contains(r)).ToArray();
    }

    /// <summary>True when both identities present the same identifiers and name the same MAC and serial.</summary>
    /// <param name="other">The other identity.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(HostIdentity? other) =>
        other is not null && Mac == other.Mac && SerialNumber == other.SerialNumber && Identifiers.SequenceEqual(other.Identifiers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Mac, SerialNumber, Identifiers.Count);

    /// <summary>The MAC address, lower-case, colon separated (aa:bb:cc:dd:ee:ff).</summary>
    public string Mac { get; }

    /// <summary>The serial number.</summary>
    public string SerialNumber { get; }

    /// <summary>Largest accepted serial number length.</summary>
    public const int MaxSerialLength = 128;

    /// <summary>Normalizes a MAC address to lower-case colon form; accepts ':' or '-' separators.</summary>
    /// <param name="mac">Input text.</param>
    /// <param name="normalized">aa:bb:cc:dd:ee:ff on success.</param>
    /// <returns>True if the input is a MAC address other than all zeros.</returns>
    public static bool TryNormalizeMac(string? mac, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (mac is null || mac.Length != 17)
        {
            return false;
        }

        var separator = mac[2];
        if (separator is not (':' or '-'))
        {
            return false;
        }

        var chars = new char[17];
        for (var i = 0; i < 17; i++)
        {
            var c = mac[i];
            if (i % 3 == 2)
            {
                if (c != separator)
                {
                    return false;
                }

                chars[i] = ':';
            }
            else
            {
                if (!char.IsAsciiHexDigit(c))
                {
                    return false;
                }

                chars[i] = char.ToLowerInvariant(c);
            }
        }

        var result = new string(chars);
        if (string.Equals(result, "00:00:00:00:00:00", StringComparison.Ordinal))
        {
            return false;
        }

        normalized = result;
        return true;
    }

    /// <summary>True if the text is already a normalized MAC address.</summary>
    internal static bool IsNormalizedMac(string mac) =>
        TryNormalizeMac(mac, out var n) && string.Equals(n, mac, StringComparison.Ordinal);

    /// <summary>True if the serial number is 1-128 printable characters without leading or trailing white space.</summary>
    /// <param name="serialNumber">The serial number.</param>
    /// <returns>Whether it can be carried in host info and license files.</returns>
    public static bool IsValidSerial(string? serialNumber) => TextInput.IsSafeValue(serialNumber, MaxSerialLength);
}
