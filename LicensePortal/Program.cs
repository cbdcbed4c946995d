using LicensePortal;
using LicensePortal.Accounts;

var builder = WebApplication.CreateBuilder(args);
builder.AddLicensePortal();

var app = builder.Build();
await FirstRunSetup.RunAsync(app.Services, Console.Out);
await app.MapLicensePortalAsync();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the portal with WebApplicationFactory.</summary>
public partial class Program;
