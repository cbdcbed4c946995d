using LicensePortal.Licensing;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>Support staff watch the desk while an administrator edits in the grid and a host uploads over HTTP.</summary>
public sealed class SupportDeskLiveTests
{

    [Fact]
    public async Task Support_sees_an_administrators_edit_and_an_HTTP_upload_without_reloading()
    {
        await using var portal = await PortalProcess.StartAsync();
        var (playwright, browser) = await Browsers.LaunchAsync();
        var admin = await browser.NewPortalPageAsync(portal);
        var support = await browser.NewPortalPageAsync(portal);
        var current = admin;
        try
        {
            await admin.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await CreateUserAsync(admin, "helpdesk", "Support");
            await CreateUserAsync(admin, "owner", "User");
            await admin.GotoInteractiveAsync("instances");
            await admin.OpenDialogAsync("#instances-create", "#field-name");
            await admin.FillAsync("#field-name", "watched-01");
            await admin.FillAsync("#field-owner", "owner");
            await admin.Locator(".mud-popover-open .mud-list-item").GetByText("owner", new() { Exact = true }).ClickAsync();
            // The server confirms the pick before Save is clicked (a click can overtake MudBlazor's async selection).
            await Assertions.Expect(admin.Locator("#owner-chosen")).ToContainTextAsync("owner");
            await admin.ClickAsync("#instance-save");
            var adminRow = admin.Locator("#instances-grid tr", new() { HasText = "watched-01" });
            await adminRow.WaitForAsync();

            current = support;
            await support.SignInAsync("helpdesk", "Supp0rt-Passw0rd!");
            await support.GotoInteractiveAsync("support");
            var supportRow = support.Locator("#support-board tr", new() { HasText = "watched-01" });
            await Assertions.Expect(supportRow.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TOUPLOAD");
            var uploadCount = support.Locator(".status-count[data-status=TODOWNLOAD] .count");
            await Assertions.Expect(uploadCount).ToHaveTextAsync("0");

            // The administrator edits a quota in the grid: the support desk highlights the row.
            current = admin;
            await adminRow.Locator("input[data-quota=MaxDesktops], [data-quota=MaxDesktops] input").FillAsync("33");
            await adminRow.Locator("input[data-quota=MaxDesktops], [data-quota=MaxDesktops] input").PressAsync("Tab");
            current = support;
            await Assertions.Expect(supportRow).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("just-changed"));

            // The owner's host uploads its host info over plain HTTP: the badge and the counts change on the desk.
            using var owner = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = portal.BaseAddress };
            await HttpSignInAsync(owner, "owner", "Own3r-Passw0rd!");
            var hostInfo = HostInfoFile.Write("watched-01", "52:54:00:11:22:33", "SN-DESK", HostKey.Generate(), DateTimeOffset.UtcNow);
            using var upload = await owner.PostAsync(new Uri("upload_hostinfo?instance=watched-01", UriKind.Relative), new StringContent(hostInfo));
            upload.EnsureSuccessStatusCode();
            await Assertions.Expect(supportRow.Locator(".status-badge")).ToHaveAttributeAsync("data-status", "TODOWNLOAD");
            await Assertions.Expect(uploadCount).ToHaveTextAsync("1");
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-support-failure-{Guid.NewGuid():N}.png");
            await current.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task CreateUserAsync(IPage admin, string userName, string role)
    {
        await admin.GotoInteractiveAsync("users");
        await admin.OpenDialogAsync("#users-create", "#field-username");
        await admin.FillAsync("#field-username", userName);
        await admin.FillAsync("#field-password", role == "Support" ? "Supp0rt-Passw0rd!" : "Own3r-Passw0rd!");
        if (role != "User")
        {
            // MudSelect puts the id on a hidden input: open the select around it.
            await admin.Locator("div.mud-input-control.mud-select", new() { Has = admin.Locator("#field-role") }).ClickAsync();
            await admin.Locator(".mud-popover-open .mud-list-item").GetByText(role, new() { Exact = true }).ClickAsync();
            await Assertions.Expect(admin.Locator("#field-role")).ToHaveValueAsync(role);
        }
        await admin.ClickAsync("#user-save");
        await admin.Locator("#users-grid").GetByText(userName, new() { Exact = true }).WaitForAsync();
    }

    private static async Task HttpSignInAsync(HttpClient client, string userName, string password)
    {
        var html = await client.GetStringAsync("Identity/Account/Login");
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
            ["__RequestVerificationToken"] = System.Net.WebUtility.HtmlDecode(token),
        });
        using var response = await client.PostAsync(new Uri("Identity/Account/Login", UriKind.Relative), form);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
    }
}
