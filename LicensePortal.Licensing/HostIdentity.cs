using System.Diagnostics.CodeAnalysis;

namespace LicensePortal.Licensing;

/// <summary>What binds a license to a machine: its MAC address and serial number.</summary>
public sealed record HostIdentity
{
    /// <summary>Creates a host identity; the MAC address is normalized.</summary>
    /// <param name="mac">MAC address in any common notation (aa:bb:..., AA-BB-...).</param>
    /// <param name="serialNumber">The machine serial number, exactly as read.</param>
    /// <exception cref="ArgumentException">The MAC address or the serial number is invalid.</exception>
    public HostIdentity(string mac, string serialNumber)
    {
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
    }

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
