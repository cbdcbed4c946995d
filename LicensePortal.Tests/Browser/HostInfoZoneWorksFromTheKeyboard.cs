using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// The instance page's upload zone without a mouse: Tab reaches its "Choose file" button, Enter opens the file chooser,
/// and the chosen file is uploaded (here a file that is not host info, which the page refuses with its message).
/// </summary>
public sealed class HostInfoZoneWorksFromTheKeyboard
{
    private const string CustomerPassword = "Cust0mer-Passw0rd!";

    [Fact]
    public async Task Tab_reaches_choose_file_and_enter_opens_the_chooser_whose_file_is_uploaded()
    {
        await using var portal = await PortalProcess.StartAsync();
        await CreateCustomerWithInstanceAsync(portal);
        var work = Directory.CreateTempSubdirectory("lp-keyboard-");
        var (playwright, browser) = await Browsers.LaunchAsync();
        var page = await browser.NewPortalPageAsync(portal);
        try
        {
            var file = Path.Combine(work.FullName, "hostinfo.txt");
            await File.WriteAllTextAsync(file, "not a host info file\n");
            await page.SignInAsync("kb-customer", CustomerPassword);
            await page.GotoInteractiveAsync("instances/kb-01");
            await Assertions.Expect(page.Locator("#hostinfo-zone")).ToContainTextAsync("hostinfo.txt");

            // From the top of the page, Tab until the button has focus (the transparent input over the zone is not a stop).
            var reached = false;
            for (var stop = 0; stop < 40 && !reached; stop++)
            {
                await page.Keyboard.PressAsync("Tab");
                reached = await page.EvaluateAsync<string?>("() => document.activeElement?.id") == "hostinfo-choose";
                Assert.NotEqual("file", await page.EvaluateAsync<string?>("() => document.activeElement?.type"));
            }
            Assert.True(reached, "Tab never reached the Choose file button");

            var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Keyboard.PressAsync("Enter"));
            await chooser.SetFilesAsync(file);
            await Assertions.Expect(page.Locator("#upload-result")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#upload-result")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-alert-.*error"));
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-keyboard-failure-{Guid.NewGuid():N}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {page.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            work.Delete(recursive: true);
        }
    }

    /// <summary>A customer and an instance of theirs, made through the API with an administrator's token.</summary>
    private static async Task CreateCustomerWithInstanceAsync(PortalProcess portal)
    {
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var tokenAnswer = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "kb-setup" });
        tokenAnswer.EnsureSuccessStatusCode();
        var token = (await tokenAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var userAnswer = await http.PostAsJsonAsync("api/v1/users", new { userName = "kb-customer", email = "kb@example.com", organization = "Acme", role = "User", password = CustomerPassword });
        Assert.True(userAnswer.IsSuccessStatusCode, await userAnswer.Content.ReadAsStringAsync());
        var ownerId = (await userAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("id").GetString();
        using var instanceAnswer = await http.PostAsJsonAsync("api/v1/instances", new { name = "kb-01", ownerId, maxDesktops = 5, expiresAt = "2031-12-31" });
        Assert.True(instanceAnswer.IsSuccessStatusCode, await instanceAnswer.Content.ReadAsStringAsync());
    }
}
