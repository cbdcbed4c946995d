using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>Options shared by several commands, and how host identity is resolved from them.</summary>
internal static class CommonOptions
{
    public static Option<string> StateDir() => new("--state-dir")
    {
        Description = "State directory for the host key, vendor keys and the installed license (mode 0700).",
        DefaultValueFactory = _ => AgentApp.DefaultStateDir,
    };

    public static Option<string?> Mac() => new("--mac")
    {
        Description = "Use this MAC address instead of reading the default-route physical interface.",
    };

    public static Option<string?> Serial() => new("--serial")
    {
        Description = "Use this serial number instead of reading /sys/class/dmi/id (product_serial, then board_serial).",
    };

    public static Option<string?> VendorKey() => new("--vendor-key")
    {
        Description = "Vendor public key file to trust; remembered in STATE-DIR/vendor-keys/ for later commands.",
    };

    public static Option<string> License() => new("--license")
    {
        Description = "License file.",
        Required = true,
    };

    /// <summary>Reads MAC and serial like hostinfo does, unless overridden.</summary>
    public static HostIdentity ResolveIdentity(string? mac, string? serial, AgentEnvironment environment)
    {
        var reader = new HostIdentityReader(environment.SystemRoot);
        string normalizedMac;
        if (mac is not null)
        {
            if (!HostIdentity.TryNormalizeMac(mac, out var n))
            {
                throw new AgentException(ExitCodes.Usage, $"--mac '{mac}' is not a MAC address like 52:54:00:12:34:56.");
            }

            normalizedMac = n;
        }
        else
        {
            normalizedMac = reader.ReadMac();
        }

        var resolvedSerial = serial ?? reader.ReadSerial();
        if (!HostIdentity.IsValidSerial(resolvedSerial))
        {
            throw new AgentException(ExitCodes.Usage, "--serial must be 1-128 printable characters without leading or trailing spaces.");
        }

        return new HostIdentity(normalizedMac, resolvedSerial);
    }
}
