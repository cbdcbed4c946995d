using Microsoft.Playwright;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// One portal and one Chromium for the browser tests of the grids at 1440x900 (the "desktop grids" collection, run one
/// after the other): each test uses its own instances, so they do not see each other's rows through their filters.
/// </summary>
public sealed class DesktopPortal : IAsyncLifetime
{
    public const string CustomerPassword = "Cust0mer-Passw0rd!";

    private IPlaywright? _playwright;

    public PortalProcess Portal { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;
    public string CustomerId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Many browser tests sign in to this one shared portal within minutes, from one address and mostly as admin:
        // the sign-in limits (tested on their own portals in Security/) would stop them, so they are raised here.
        Portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["RateLimits__SignInPermitLimit"] = "1000",
            ["RateLimits__AccountSignInPermitLimit"] = "1000",
        });
        using (var seed = await PortalSeed.ForAsync(Portal))
        {
            CustomerId = await seed.CustomerAsync("grid-customer", CustomerPassword);
        }
        (_playwright, Browser) = await Browsers.LaunchAsync();
    }

    /// <summary>An administrator's page at 1440x900 in the given language, signed in.</summary>
    public async Task<IPage> AdministratorPageAsync(string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Portal.BaseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(45_000);
        await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DesktopGridsCollection : ICollectionFixture<DesktopPortal>
{
    public const string Name = "desktop grids";
}
