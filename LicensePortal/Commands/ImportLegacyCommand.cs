using System.Data.Common;
using LicensePortal.Resources;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Commands;

/// <summary>
/// <c>import-legacy --provider sqlite|mysql --source "..." [--dry-run] [--source-timezone ZONE] [--passwords-file PATH]</c>:
/// the first-generation system's data into the configured portal database (<see cref="LegacyImporter"/>); no web server.
/// </summary>
public static class ImportLegacyCommand
{
    public const string Name = "import-legacy";

    private static readonly string[] WithValue = ["--provider", "--source", "--source-timezone", "--passwords-file"];

    public static bool IsImportLegacyCommand(IReadOnlyList<string> args) => args.Count > 0 && args[0] == Name;

    /// <summary>
    /// The arguments the host builder may read as configuration: the command's own are left out (its connection string
    /// holds the old database's password, and a bare <c>--dry-run</c> would swallow the next argument as its value).
    /// </summary>
    public static string[] HostArguments(string[] args)
    {
        if (!IsImportLegacyCommand(args))
        {
            return args;
        }
        var kept = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (WithValue.Contains(args[i]))
            {
                i++;
            }
            else if (args[i] != "--dry-run")
            {
                kept.Add(args[i]);
            }
        }
        return [.. kept];
    }

    /// <summary>Reads the options (args[0] is the command itself); ArgumentException says what is wrong.</summary>
    public static ImportLegacyOptions Parse(IReadOnlyList<string> args, IStringLocalizer text)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(text);
        string? provider = null, source = null, zoneId = null, passwordsFile = null;
        var dryRun = false;
        for (var i = 1; i < args.Count; i++)
        {
            var value = WithValue.Contains(args[i]) && i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--provider" when value is not null: provider = value; i++; break;
                case "--source" when value is not null: source = value; i++; break;
                case "--source-timezone" when value is not null: zoneId = value; i++; break;
                case "--passwords-file" when value is not null: passwordsFile = value; i++; break;
                case "--dry-run": dryRun = true; break;
                default: break; // configuration for the host (--Database:Provider=Postgres ...)
            }
        }
        if (provider is not ("sqlite" or "mysql") || string.IsNullOrWhiteSpace(source))
        {
            throw new ArgumentException(text["Import.Usage", ""]);
        }
        TimeZoneInfo zone;
        try
        {
            zone = zoneId is null ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException(text["Import.Usage", text["Import.UnknownTimeZone", zoneId!]]);
        }
        return new ImportLegacyOptions(provider, source, dryRun, zone, passwordsFile);
    }

    /// <summary>Runs the import; 0 when it ran (skipped rows are in the report), 2 for bad arguments, 1 when it stopped.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        var text = services.GetRequiredService<IStringLocalizer<SharedResource>>();
        ImportLegacyOptions options;
        try
        {
            options = Parse(args, text);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return 2;
        }
        try
        {
            await ActivatorUtilities.CreateInstance<LegacyImporter>(services).RunAsync(options, output);
            return 0;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or InvalidDataException or IOException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            await error.WriteLineAsync(text["Import.Failed", ex.Message]);
            return 1;
        }
    }
}
