using LicensePortal;
using LicensePortal.Accounts;
using LicensePortal.Data;

var builder = WebApplication.CreateBuilder(args);
builder.AddLicensePortal();

var app = builder.Build();
await FirstRunSetup.RunAsync(app.Services, Console.Out);

// `seed-demo --users N --instances N [--append]`: fill the configured database with demo data and exit; no web server.
if (args.Length > 0 && args[0] == "seed-demo")
{
    var result = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync(DemoSeedOptions.Parse(args), Console.Out);
    return result.Seeded ? 0 : 1;
}

await app.MapLicensePortalAsync();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host the portal with WebApplicationFactory.</summary>
public partial class Program;
