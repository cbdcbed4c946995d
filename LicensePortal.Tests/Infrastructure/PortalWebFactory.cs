using System.Net;
using System.Text.RegularExpressions;
using LicensePortal.Data;
using LicensePortal.Services;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// The whole portal (Program.cs, first run included) on a throwaway SQLite file, served in memory; or on
/// <paramref name="database"/> (a <see cref="TestDatabases"/> database the caller disposes, e.g. PostgreSQL), with
/// <paramref name="settings"/> added. Settings go through UseSetting because DatabaseSetup reads configuration while
/// services are registered.
/// </summary>
public sealed partial class PortalWebFactory(TestDatabase? database = null, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "Adm1n-Passw0rd!";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lp-web-");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:Provider", database?.Provider.ToString() ?? "Sqlite");
        builder.UseSetting("ConnectionStrings:LicensePortal", database?.ConnectionString ?? $"Data Source={Path.Combine(_folder.FullName, "portal.db")}");
        builder.UseSetting("Bootstrap:AdminUserName", AdminUserName);
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Licensing:KeyDirectory", Path.Combine(_folder.FullName, "keys"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A cookie-keeping client that does not follow redirects, so tests see each 302.</summary>
    public HttpClient CreateBrowser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The first administrator, as an actor for the real services.</summary>
    public async Task<PortalActor> AdminAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var admin = await users.FindByNameAsync(AdminUserName) ?? throw new InvalidOperationException("no bootstrap admin");
        return new PortalActor(admin.Id, AdminUserName, PortalRole.Administrator);
    }

    /// <summary>Creates an account through the real service; returns the password to sign in with (generated when <paramref name="password"/> is null).</summary>
    public async Task<(PortalActor Actor, string Password)> CreateUserAsync(string userName, string role = PortalRole.User, string? password = "Us3r-Passw0rd!")
    {
        var result = await Services.GetRequiredService<UserAdminService>().CreateAsync(
            await AdminAsync(), new UserInput(userName, userName.Contains('@', StringComparison.Ordinal) ? userName : $"{userName}@example.com", null, "Acme", null, role), password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"creating {userName} failed: {string.Join(", ", result.Errors.Select(e => e.Code))}");
        }
        return (new PortalActor(result.Value!.User.Id, userName, role), result.Value.InitialPassword ?? password!);
    }

    /// <summary>Deactivates the account as an administrator does (the real service).</summary>
    public async Task DeactivateAsync(string userName)
    {
        string id;
        await using (var scope = Services.CreateAsyncScope())
        {
            id = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(userName))?.Id
                ?? throw new InvalidOperationException($"no account {userName}");
        }
        var result = await Services.GetRequiredService<UserAdminService>().SetActiveAsync(await AdminAsync(), id, active: false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"deactivating {userName} failed: {string.Join(", ", result.Errors.Select(e => e.Code))}");
        }
    }

    /// <summary>GETs a Razor page with a form and returns its antiforgery token.</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}");
        }
        var html = await response.Content.ReadAsStringAsync();
        var match = TokenPattern().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"no antiforgery token on {path}");
    }

    /// <summary>Posts a form the way a browser does after <see cref="FormTokenAsync"/>.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var token = await FormTokenAsync(client, path);
        using var content = new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token)));
        return await client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    /// <summary>Signs in through the portal's real login page (Areas/Identity/Pages/Account/Login), by user name or e-mail.</summary>
    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password) =>
        PostFormAsync(client, "/Identity/Account/Login", [new("Input.UserName", userName), new("Input.Password", password), new("Input.RememberMe", "false")]);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalizing connection; the temp folder is cleaned by the OS eventually.
        }
    }
}
