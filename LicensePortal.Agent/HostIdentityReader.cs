using System.Globalization;
using LicensePortal.Licensing;

namespace LicensePortal.Agent;

/// <summary>
/// Reads the host's identity from /proc, /sys and /etc under a root path, so tests can point it at a fake tree: the
/// primary MAC address (of the default-route physical interface) and serial number (DMI product serial, or the machine
/// id on a host without DMI), and every identifier a license may record (each physical interface's MAC, the DMI serial
/// and product UUID where present, the machine id).
/// </summary>
/// <param name="root">File system root, "/" on a real host.</param>
public sealed class HostIdentityReader(string root)
{
    private static readonly string[] VirtualPrefixes = ["docker", "br-", "veth", "virbr", "vnet", "tun", "tap", "cni", "flannel", "kube"];

    private static readonly string[] SerialPlaceholders =
    [
        "None", "Not Specified", "Not Applicable", "To Be Filled By O.E.M.", "Default string", "System Serial Number", "0", "0123456789",
    ];

    private string PathOf(string relative) => Path.Combine(root, relative);

    /// <summary>Most MAC addresses recorded, so a host with many ports leaves room for the other identifiers.</summary>
    public const int MaxMacs = 8;

    /// <summary>The primary MAC and serial and every identifier found (docs/license-format.md, "Host identifiers").</summary>
    /// <returns>The identity.</returns>
    /// <exception cref="AgentException">No physical interface, no serial, or permission denied.</exception>
    public HostIdentity ReadIdentity()
    {
        var mac = ReadMac();
        var serial = ReadSerial();
        return new HostIdentity(mac, serial, ReadIdentifiers(mac));
    }

    /// <summary>The identifiers besides the primary MAC and serial; missing or unreadable sources are left out.</summary>
    /// <param name="primaryMac">The primary MAC, always kept among the MACs.</param>
    /// <returns>The identifiers found, in no particular order.</returns>
    public IReadOnlyList<HostIdentifier> ReadIdentifiers(string primaryMac)
    {
        var found = new List<HostIdentifier>();
        var macs = PhysicalMacs().Where(m => m != primaryMac).Order(StringComparer.Ordinal).Take(MaxMacs - 1);
        found.AddRange(macs.Select(m => HostIdentifier.Create(HostIdentifierKind.Mac, m)));
        if (TryReadDmiSerial(out var dmiSerial))
        {
            found.Add(HostIdentifier.Create(HostIdentifierKind.DmiSerial, dmiSerial));
        }

        var uuid = ReadFirstLine("sys/class/dmi/id/product_uuid");
        if (HostIdentifier.TryCreate(HostIdentifierKind.DmiUuid, uuid, out var dmiUuid)
            && dmiUuid.Value is not ("00000000-0000-0000-0000-000000000000" or "ffffffff-ffff-ffff-ffff-ffffffffffff"))
        {
            found.Add(dmiUuid);
        }

        if (HostIdentifier.TryCreate(HostIdentifierKind.MachineId, ReadFirstLine("etc/machine-id"), out var machineId)
            && machineId.Value != new string('0', 32))
        {
            found.Add(machineId);
        }

        return found;
    }

    private IEnumerable<string> PhysicalMacs()
    {
        var netDir = PathOf("sys/class/net");
        if (!Directory.Exists(netDir))
        {
            yield break;
        }

        foreach (var name in Directory.GetFileSystemEntries(netDir).Select(Path.GetFileName).OfType<string>())
        {
            if (IsPhysical(name) && TryReadMac(name, out var mac))
            {
                yield return mac;
            }
        }
    }

    /// <summary>The trimmed first line of a file, or null when it is missing or unreadable.</summary>
    private string? ReadFirstLine(string relative)
    {
        try
        {
            return File.ReadLines(PathOf(relative)).FirstOrDefault()?.Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private bool TryReadDmiSerial(out string serial)
    {
        foreach (var file in new[] { "product_serial", "board_serial" })
        {
            var value = ReadFirstLine(Path.Combine("sys/class/dmi/id", file));
            if (value is not null && IsUsableSerial(value))
            {
                serial = value;
                return true;
            }
        }

        serial = string.Empty;
        return false;
    }

    private static bool IsUsableSerial(string value) =>
        HostIdentity.IsValidSerial(value) && !SerialPlaceholders.Any(p => string.Equals(p, value, StringComparison.OrdinalIgnoreCase));

    /// <summary>The MAC of the default-route interface if it is physical, else of the first physical interface by name.</summary>
    /// <returns>Normalized MAC address.</returns>
    /// <exception cref="AgentException">No physical interface with a MAC address was found.</exception>
    public string ReadMac()
    {
        var defaultIface = DefaultRouteInterface();
        if (defaultIface is not null && IsPhysical(defaultIface) && TryReadMac(defaultIface, out var mac))
        {
            return mac;
        }

        var netDir = PathOf("sys/class/net");
        if (Directory.Exists(netDir))
        {
            var names = Directory.GetFileSystemEntries(netDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (IsPhysical(name) && TryReadMac(name, out mac))
                {
                    return mac;
                }
            }
        }

        throw new AgentException(ExitCodes.Environment, $"No physical network interface with a MAC address was found under {netDir}.");
    }

    /// <summary>The interface of the default route with the lowest metric, from proc/net/route; null if none.</summary>
    /// <returns>Interface name or null.</returns>
    public string? DefaultRouteInterface()
    {
        var routePath = PathOf("proc/net/route");
        if (!File.Exists(routePath))
        {
            return null;
        }

        string? best = null;
        var bestMetric = long.MaxValue;
        foreach (var line in File.ReadLines(routePath).Skip(1))
        {
            var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8)
            {
                continue;
            }

            var isDefault = fields[1] == "00000000" && fields[7] == "00000000";
            var up = int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) && (flags & 1) == 1;
            if (isDefault && up && long.TryParse(fields[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var metric) && metric < bestMetric)
            {
                best = fields[0];
                bestMetric = metric;
            }
        }

        return best;
    }

    /// <summary>True for interfaces backed by a device (sys/class/net/NAME/device exists) and not named like a virtual one.</summary>
    /// <param name="name">Interface name.</param>
    /// <returns>Whether it is physical.</returns>
    public bool IsPhysical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "lo" || VirtualPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
        {
            return false;
        }

        var device = PathOf(Path.Combine("sys/class/net", name, "device"));
        return Directory.Exists(device) || File.Exists(device);
    }

    private bool TryReadMac(string name, out string mac)
    {
        mac = string.Empty;
        try
        {
            var text = File.ReadAllText(PathOf(Path.Combine("sys/class/net", name, "address"))).Trim();
            if (HostIdentity.TryNormalizeMac(text, out var normalized))
            {
                mac = normalized;
                return true;
            }
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        return false;
    }

    /// <summary>The prefix of a serial number taken from /etc/machine-id, so the host info names its source.</summary>
    public const string MachineIdPrefix = "machine-id:";

    /// <summary>
    /// The serial from sys/class/dmi/id/product_serial, then board_serial; on a host without a usable DMI serial (many
    /// virtual machines) "machine-id:" followed by the 32 hex digits of etc/machine-id.
    /// </summary>
    /// <returns>The serial number.</returns>
    /// <exception cref="AgentException">Neither a DMI serial nor a machine id, or permission denied.</exception>
    public string ReadSerial()
    {
        var dmi = PathOf("sys/class/dmi/id");
        string? denied = null;
        foreach (var file in new[] { "product_serial", "board_serial" })
        {
            var path = Path.Combine(dmi, file);
            try
            {
                var value = File.ReadAllText(path).Trim();
                if (IsUsableSerial(value))
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Try the next source.
            }
            catch (UnauthorizedAccessException)
            {
                denied ??= path;
            }
            catch (IOException)
            {
                // Unreadable (for example an I/O error from the firmware interface): try the next source.
            }
        }

        if (denied is not null)
        {
            throw new AgentException(ExitCodes.Environment, $"Permission denied reading {denied}: run as root.");
        }

        var machineIdPath = PathOf("etc/machine-id");
        try
        {
            var id = File.ReadAllText(machineIdPath).Trim();
            if (id.Length == 32 && id.All(char.IsAsciiHexDigitLower))
            {
                return MachineIdPrefix + id;
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Reported below.
        }

        throw new AgentException(ExitCodes.Environment, $"This host has no usable serial number: no DMI serial in {dmi} (product_serial, board_serial) and no machine id in {machineIdPath}.");
    }
}
