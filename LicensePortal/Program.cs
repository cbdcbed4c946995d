using LicensePortal;
using LicensePortal.Accounts;
using LicensePortal.Commands;
using LicensePortal.Data;
using LicensePortal.Options;
using LicensePortal.Services;

var builder = WebApplication.CreateBuilder(ImportLegacyCommand.HostArguments(args));

// `keys init-root | request | certify | install`: the vendor root ceremony; no database, no web server.
if (KeysCommand.IsKeysCommand(args))
{
    var licensing = builder.Configuration.GetSection(LicensingOptions.Section).Get<LicensingOptions>() ?? new LicensingOptions();
    return KeysCommand.Run(args, licensing, builder.Environment, TimeProvider.System, Console.Out, Console.Error);
}

// `backup --out FILE` and `restore --from FILE`: before the portal is built, so a restore meets no first-run setup.
if (BackupCommand.IsBackupCommand(args))
{
    return BackupCommand.Run(args, builder.Configuration, builder.Environment, TimeProvider.System, Console.Out, Console.Error);
}

// Under systemd (deploy/licenseportal.service, Type=notify): tells systemd when it listens and when it stops, and logs
// in journald's format. Elsewhere it does nothing.
builder.Services.AddSystemd();
// AddSystemd sets the systemd formatter after Logging:Console was read, so it would win over an operator's explicit
// Logging:Console:FormatterName (json for a log shipper): the explicit one is applied again after it.
if (builder.Configuration["Logging:Console:FormatterName"] is { Length: > 0 } consoleFormatter)
{
    builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.FormatterName = consoleFormatter);
}
builder.AddLicensePortal();

var app = builder.Build();
var seedDemo = args.Length > 0 && args[0] == "seed-demo";
var importLegacy = ImportLegacyCommand.IsImportLegacyCommand(args);

// The vendor keys first, before the database is touched: a key directory that cannot sign (the current key without a
// valid certificate, no vendor-root.pub, ...) stops the portal with the message naming the command that fixes it.
if (!seedDemo && !importLegacy && !VendorKeyCheck.Passes(app.Services, Console.Error))
{
    return 1;
}
await FirstRunSetup.RunAsync(app.Services, Console.Out);

// `seed-demo --users N --instances N [--audit-entries N] [--append]`: fill the configured database with demo data and exit; no web server.
if (seedDemo)
{
    var result = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync(DemoSeedOptions.Parse(args), Console.Out);
    return result.Seeded ? 0 : 1;
}

// `import-legacy --provider sqlite|mysql --source "..." [--dry-run]`: the first-generation system's data; no web server.
if (importLegacy)
{
    return await ImportLegacyCommand.RunAsync(app.Services, args, Console.Out, Console.Error);
}

await app.MapLicensePortalAsync();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host the portal with WebApplicationFactory.</summary>
public partial class Program;
