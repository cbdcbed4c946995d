using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Accounts;

/// <summary>
/// The real portal process with an account whose PasswordHash was set in its SQLite file to a hash the first-generation
/// (Flask) system wrote, as the import does. The person signs in with the old password, in a real browser or through
/// POST /api/v1/tokens; after that the stored hash is Identity's, the old password still works and a wrong one does not.
/// </summary>
public sealed class AnImportedAccountSignsInWithItsOldPassword
{
    // Both written by Werkzeug 3.1.8's generate_password_hash (and checked there with check_password_hash).
    private const string Pbkdf2Password = "laoxitong-2019";
    private const string Pbkdf2Hash = "pbkdf2:sha256:50000$3MoLOYoE$013be4d1321279dbe34feb6cdc7ef61b346374fadb897fcabe0b23377c252bde";
    private const string ScryptPassword = "密码Mima-2024";
    private const string ScryptHash = "scrypt:32768:8:1$LFdZREP55IDcuSRX$a5b337540b1d5976a43ec4c6b0ff2b8d40005260a7e2b250d041e0a95f7ec6b44ba62cd87db992e5cb7a3f62696420f8658c0a656be2ccfb6c807da8f37c8042";

    [Fact]
    public async Task The_old_password_signs_in_on_the_sign_in_page_and_the_stored_hash_becomes_Identitys()
    {
        await using var portal = await PortalProcess.StartAsync();
        using (var seed = await PortalSeed.ForAsync(portal))
        {
            await seed.CustomerAsync("zhao.lei", "Temp0rary-Passw0rd!");
        }
        await SetStoredHashAsync(portal, "zhao.lei", Pbkdf2Hash);

        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            // A wrong password first: refused, and the imported hash is left as it was.
            var page = await browser.NewPortalPageAsync(portal);
            await SubmitSignInAsync(page, "zhao.lei", "laoxitong-2018");
            await Assertions.Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            Assert.Equal(Pbkdf2Hash, await StoredHashAsync(portal, "zhao.lei"));

            await page.SignInAsync("zhao.lei", Pbkdf2Password);
            await Assertions.Expect(page.Locator("#account-button")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#account-menu")).ToContainTextAsync("zhao.lei");
            Assert.DoesNotContain("/Identity/Account/Login", page.Url, StringComparison.Ordinal);

            var stored = await StoredHashAsync(portal, "zhao.lei");
            Assert.False(WerkzeugPasswordHash.IsLegacy(stored), stored);
            Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<PortalUser>().VerifyHashedPassword(new PortalUser(), stored, Pbkdf2Password));
            // Still signed in on the next page (the re-hash changed the security stamp before the cookie was made).
            await page.GotoAsync("Identity/Account/Manage/ChangePassword");
            await Assertions.Expect(page.Locator("#change-password-submit")).ToBeVisibleAsync();

            // A new browser: the old password works against the new hash, a wrong one does not.
            var again = await browser.NewPortalPageAsync(portal);
            await SubmitSignInAsync(again, "zhao.lei", Pbkdf2Password + "x");
            await Assertions.Expect(again.Locator("#login-error")).ToBeVisibleAsync();
            await again.SignInAsync("zhao.lei", Pbkdf2Password);
            await Assertions.Expect(again.Locator("#account-menu")).ToContainTextAsync("zhao.lei");
            Assert.Equal(stored, await StoredHashAsync(portal, "zhao.lei"));
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task The_old_password_gets_a_token_from_the_api_and_the_stored_hash_becomes_Identitys()
    {
        await using var portal = await PortalProcess.StartAsync();
        using (var seed = await PortalSeed.ForAsync(portal))
        {
            await seed.CustomerAsync("qian.fang", "Temp0rary-Passw0rd!");
        }
        await SetStoredHashAsync(portal, "qian.fang", ScryptHash);
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };

        using (var wrong = await http.PostAsJsonAsync("api/v1/tokens", new { userName = "qian.fang", password = "密码Mima-2023", name = "wrong" }))
        {
            await ApiTestKit.ProblemAsync(wrong, HttpStatusCode.Unauthorized, "Token.InvalidCredentials");
        }
        Assert.Equal(ScryptHash, await StoredHashAsync(portal, "qian.fang"));

        using (var right = await http.PostAsJsonAsync("api/v1/tokens", new { userName = "qian.fang", password = ScryptPassword, name = "script" }))
        {
            var token = (await ApiTestKit.JsonAsync(right, HttpStatusCode.Created)).GetProperty("token").GetString();
            using var list = new HttpRequestMessage(HttpMethod.Get, "api/v1/tokens") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            using var listed = await http.SendAsync(list);
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }
        var stored = await StoredHashAsync(portal, "qian.fang");
        Assert.False(WerkzeugPasswordHash.IsLegacy(stored), stored);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<PortalUser>().VerifyHashedPassword(new PortalUser(), stored, ScryptPassword));

        using (var again = await http.PostAsJsonAsync("api/v1/tokens", new { userName = "qian.fang", password = ScryptPassword, name = "again" }))
        {
            await ApiTestKit.JsonAsync(again, HttpStatusCode.Created);
        }
        using (var wrongAgain = await http.PostAsJsonAsync("api/v1/tokens", new { userName = "qian.fang", password = ScryptPassword + " ", name = "wrong" }))
        {
            await ApiTestKit.ProblemAsync(wrongAgain, HttpStatusCode.Unauthorized, "Token.InvalidCredentials");
        }
        Assert.Equal(stored, await StoredHashAsync(portal, "qian.fang"));
    }

    private static async Task SubmitSignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("Identity/Account/Login");
        await page.FillAsync("#Input_UserName", userName);
        await page.FillAsync("#Input_Password", password);
        await page.ClickAsync("#login-submit");
    }

    /// <summary>What the import does to the portal's database file: the old row's hash, unchanged, in PasswordHash.</summary>
    private static async Task SetStoredHashAsync(PortalProcess portal, string userName, string hash)
    {
        await using var connection = Open(portal);
        await using var command = connection.CreateCommand();
        command.CommandText = """UPDATE "AspNetUsers" SET "PasswordHash" = $hash WHERE "UserName" = $name""";
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$name", userName);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<string> StoredHashAsync(PortalProcess portal, string userName)
    {
        await using var connection = Open(portal);
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "PasswordHash" FROM "AspNetUsers" WHERE "UserName" = $name""";
        command.Parameters.AddWithValue("$name", userName);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static SqliteConnection Open(PortalProcess portal)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = portal.SqliteFile, Pooling = false, DefaultTimeout = 30 }.ConnectionString);
        connection.Open();
        return connection;
    }
}
