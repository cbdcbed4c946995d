using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Webhooks;

/// <summary>
/// The Edit dialog on /webhooks, in a real browser on the real portal process (private networks not allowed): refused
/// input is explained on its fields and saves nothing, a valid edit made from the keyboard is stored with the secret
/// kept, and an edit of an endpoint someone else changed since the dialog opened is refused.
/// </summary>
public sealed class AnAdministratorEditsAnEndpointOnTheWebhooksPage
{
    private const string Dialog = ".mud-dialog";
    private const string UrlInput = "input#edit-webhook-url, #edit-webhook-url input";
    private const string DescriptionInput = "input#edit-webhook-description, #edit-webhook-description input";

    private static string EventBox(string type) => $"input[data-event='{type}'], [data-event='{type}'] input";

    [Fact]
    public async Task Refused_input_saves_nothing_and_a_keyboard_edit_of_url_events_and_state_is_stored()
    {
        await using var portal = await PortalProcess.StartAsync(WebhookPortal.Settings(allowPrivate: false));
        using var api = await WebhooksReachARealReceiver.AdminAsync(portal);
        var (id, secret) = await WebhooksReachARealReceiver.RegisterAsync(api, new Uri("https://crm.customer.example/licenses"), "license.issued");
        var before = await EndpointAsync(api, id);

        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("webhooks");
            await page.OpenDialogAsync($"[data-webhook-id='{id}'] .webhook-edit", UrlInput);
            var dialog = page.Locator(Dialog);
            await Assertions.Expect(page.Locator(UrlInput)).ToHaveValueAsync("https://crm.customer.example/licenses");
            await Assertions.Expect(dialog).ToContainTextAsync(before.GetProperty("secretHint").GetString()!);
            Assert.DoesNotContain(secret[10..], await dialog.InnerTextAsync(), StringComparison.Ordinal); // the hint only, never the secret

            // Not a URL, and no event left.
            await page.Locator(UrlInput).FillAsync("ftp://crm.customer.example/licenses");
            await dialog.Locator(EventBox("license.issued")).UncheckAsync();
            await page.ClickAsync("#edit-webhook-save");
            await Assertions.Expect(dialog).ToContainTextAsync("Enter an absolute http:// or https:// URL without a user name, password or #fragment.");
            await Assertions.Expect(page.Locator("#edit-webhook-events-error")).ToHaveTextAsync("Choose at least one event.");
            Assert.Equal(before.ToString(), (await EndpointAsync(api, id)).ToString());

            // A private address written out, with Webhooks:AllowPrivateNetworks off.
            await page.Locator(UrlInput).FillAsync("http://10.20.30.40/hook");
            await dialog.Locator(EventBox("license.issued")).CheckAsync();
            await page.ClickAsync("#edit-webhook-save");
            await Assertions.Expect(dialog).ToContainTextAsync("10.20.30.40 is a loopback, link-local or private address");
            Assert.Equal(before.ToString(), (await EndpointAsync(api, id)).ToString());

            // From the keyboard: the URL, two events in and one out, paused, saved with Enter on the Save button.
            await page.Locator(UrlInput).FocusAsync();
            await page.Keyboard.PressAsync("Control+A");
            await page.Keyboard.TypeAsync("https://tickets.customer.example/portal-hooks");
            await FocusByTabAsync(page, dialog.Locator(EventBox("hostinfo.rejected")));
            await page.Keyboard.PressAsync("Space");
            await FocusByTabAsync(page, dialog.Locator(EventBox("license.issued")));
            await page.Keyboard.PressAsync("Space");
            await FocusByTabAsync(page, dialog.Locator(EventBox("instance.expiring")));
            await page.Keyboard.PressAsync("Space");
            await FocusByTabAsync(page, page.Locator("input#edit-webhook-active, #edit-webhook-active input"));
            await page.Keyboard.PressAsync("Space");
            await FocusByTabAsync(page, page.Locator("#edit-webhook-save"));
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(dialog).ToHaveCountAsync(0);
            await Assertions.Expect(page.GetByText("Endpoint saved.")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"[data-webhook-id='{id}']")).ToContainTextAsync("https://tickets.customer.example/portal-hooks");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }

        var after = await EndpointAsync(api, id);
        Assert.Equal("https://tickets.customer.example/portal-hooks", after.GetProperty("url").GetString());
        Assert.Equal(["hostinfo.rejected", "instance.expiring"], after.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.False(after.GetProperty("isActive").GetBoolean());
        Assert.Equal(before.GetProperty("secretHint").GetString(), after.GetProperty("secretHint").GetString());
        Assert.NotEqual(before.GetProperty("version").GetString(), after.GetProperty("version").GetString());
    }

    [Fact]
    public async Task An_edit_of_an_endpoint_changed_since_the_dialog_opened_is_refused_and_shows_the_current_values()
    {
        await using var portal = await PortalProcess.StartAsync(WebhookPortal.Settings(allowPrivate: false));
        using var api = await WebhooksReachARealReceiver.AdminAsync(portal);
        var (id, _) = await WebhooksReachARealReceiver.RegisterAsync(api, new Uri("https://crm.customer.example/licenses"), "license.issued");

        var (playwright, browser) = await Browsers.LaunchAsync();
        try
        {
            var page = await browser.NewPortalPageAsync(portal);
            await page.SignInAsync(PortalProcess.AdminUserName, PortalProcess.AdminPassword);
            await page.GotoInteractiveAsync("webhooks");
            await page.OpenDialogAsync($"[data-webhook-id='{id}'] .webhook-edit", UrlInput);

            // Meanwhile another administrator's script changes the endpoint.
            var current = await EndpointAsync(api, id);
            using (var put = await api.PutAsJsonAsync($"api/v1/webhooks/{id}", new
                   {
                       url = "https://crm.customer.example/licenses",
                       description = "changed elsewhere",
                       events = current.GetProperty("events"),
                       isActive = true,
                       version = current.GetProperty("version").GetString(),
                   }))
            {
                await ApiTestKit.JsonAsync(put, HttpStatusCode.OK);
            }
            var theirs = await EndpointAsync(api, id);

            await page.Locator(UrlInput).FillAsync("https://tickets.customer.example/mine");
            await page.ClickAsync("#edit-webhook-save");
            await Assertions.Expect(page.Locator("#webhook-conflict")).ToHaveTextAsync(
                "Someone else changed this endpoint since you opened it; nothing was saved. The fields now show its current values: save again to replace them.");
            Assert.Equal(theirs.ToString(), (await EndpointAsync(api, id)).ToString());
            await Assertions.Expect(page.Locator(DescriptionInput)).ToHaveValueAsync("changed elsewhere");
            await Assertions.Expect(page.Locator(UrlInput)).ToHaveValueAsync("https://crm.customer.example/licenses");

            // Saving again, now knowingly over their change, is stored.
            await page.Locator(UrlInput).FillAsync("https://tickets.customer.example/mine");
            await page.ClickAsync("#edit-webhook-save");
            await Assertions.Expect(page.Locator(Dialog)).ToHaveCountAsync(0);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
        var stored = await EndpointAsync(api, id);
        Assert.Equal("https://tickets.customer.example/mine", stored.GetProperty("url").GetString());
        Assert.Equal("changed elsewhere", stored.GetProperty("description").GetString());
    }

    private static async Task<JsonElement> EndpointAsync(HttpClient api, int id) =>
        await ApiTestKit.JsonAsync(await api.GetAsync(new Uri($"api/v1/webhooks/{id}", UriKind.Relative)), HttpStatusCode.OK);

    /// <summary>Presses Tab until <paramref name="target"/> has the focus (at most 20 times): what a keyboard user does.</summary>
    private static async Task FocusByTabAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 20; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }
        Assert.Fail($"Tab never reached {target}");
    }
}
