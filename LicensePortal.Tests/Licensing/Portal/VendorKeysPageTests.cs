using Bunit;
using LicensePortal.Components.Pages.VendorKeys;
using LicensePortal.Data;
using LicensePortal.Options;
using LicensePortal.Services;
using LicensePortal.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>/vendor-keys rendered with the portal's real key store: the root's id and fingerprint, and either the one-click button or the ceremony's steps.</summary>
public sealed class VendorKeysPageTests : PortalComponentTest
{
    private VendorKeyStore Store => Portal.Get<VendorKeyStore>();

    private string KeyDirectory => Portal.Get<IOptions<LicensingOptions>>().Value.KeyDirectory!;

    private async Task<IRenderedComponent<VendorKeysPage>> RenderAsync()
    {
        SignInAs(await Portal.AdminAsync());
        RenderProviders();
        return Render<VendorKeysPage>();
    }

    /// <summary>Takes the root offline the way an operator does: vendor-root.key moved off the server; the store re-reads its directory.</summary>
    private void TakeRootOffline(string offline)
    {
        File.Move(Path.Combine(KeyDirectory, "vendor-root.key"), Path.Combine(offline, "vendor-root.key"));
        Assert.True(Store.Reload());
        Assert.False(Store.RootIsOnline);
    }

    [Fact]
    public async Task With_the_root_online_the_page_shows_the_root_fingerprint_and_the_new_key_button_and_no_steps()
    {
        var page = await RenderAsync();

        Assert.Equal(Store.Root.KeyId, page.Find("#root-key-id").TextContent);
        Assert.Equal(Store.Root.Fingerprint, page.Find("#root-fingerprint").TextContent);
        Assert.Matches("^[0-9a-f]{64}$", page.Find("#root-fingerprint").TextContent);
        Assert.EndsWith("vendor-root.pub", page.Find("#download-root").GetAttribute("href"), StringComparison.Ordinal);
        Assert.Single(page.FindAll("#add-vendor-key"));
        Assert.Single(page.FindAll("#root-online"));
        Assert.Empty(page.FindAll("#offline-steps"));
        var key = page.Find($".vendor-key[data-key-id='{Store.CurrentInfo.KeyId}']");
        // The portal's one time format (yyyy-MM-dd HH:mm:ss UTC) on the certificate's own times.
        var certificate = Store.CurrentInfo.Certificate!;
        var shown = (DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC";
        Assert.StartsWith("2026-11-28 08:59:", shown(certificate.ValidFrom), StringComparison.Ordinal);
        Assert.Contains($"Certified by root {Store.Root.KeyId}: valid from {shown(certificate.ValidFrom)} to {shown(certificate.ValidUntil)}", key.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_new_key_button_makes_a_current_key_and_the_page_lists_it_with_its_certificate()
    {
        SignInAs(await Portal.AdminAsync());
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        var page = Render<VendorKeysPage>();
        var old = Store.CurrentInfo.KeyId;

        page.Find("#add-vendor-key").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("certified by the vendor root on this server", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "New signing key").Click();

        page.WaitForAssertion(() => Assert.NotEqual(old, Store.CurrentInfo.KeyId));
        var added = Store.CurrentInfo;
        page.WaitForAssertion(() => Assert.Contains("Certified by root", page.Find($".vendor-key[data-key-id='{added.KeyId}']").TextContent, StringComparison.Ordinal));
        Assert.Equal(2, page.FindAll(".vendor-key").Count);
    }

    [Fact]
    public async Task With_the_root_offline_the_page_has_no_button_and_shows_the_ceremonys_commands_and_a_request_awaiting_its_certificate()
    {
        var offline = Directory.CreateTempSubdirectory("lp-offline-root-").FullName;
        try
        {
            TakeRootOffline(offline);
            // A request made on the server, not certified yet.
            PortalCli.Ok(KeyDirectory, "keys", "request");
            var pending = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(KeyDirectory, "*.request")));
            Assert.NotNull(Store.Find(pending));

            var page = await RenderAsync();

            Assert.Empty(page.FindAll("#add-vendor-key"));
            Assert.Single(page.FindAll("#root-offline"));
            Assert.Equal(Store.Root.Fingerprint, page.Find("#root-fingerprint").TextContent);
            var steps = page.FindAll("#offline-steps li");
            Assert.Equal(5, steps.Count);
            Assert.Contains("dotnet LicensePortal.dll keys request", steps[0].TextContent, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(KeyDirectory, "KEYID.request"), steps[1].TextContent, StringComparison.Ordinal);
            Assert.Contains("dotnet LicensePortal.dll keys certify --root DIR/vendor-root.key --request KEYID.request --out KEYID.cert --valid-days 1826", steps[2].TextContent, StringComparison.Ordinal);
            Assert.Contains("KEYID.cert", steps[3].TextContent, StringComparison.Ordinal);
            Assert.Contains("dotnet LicensePortal.dll keys install --certificate KEYID.cert", steps[4].TextContent, StringComparison.Ordinal);
            var awaiting = page.Find($".vendor-key[data-key-id='{pending}']");
            Assert.Contains("Awaiting certificate", awaiting.TextContent, StringComparison.Ordinal);
            Assert.Empty(awaiting.QuerySelectorAll(".certificate-validity"));
        }
        finally
        {
            Directory.Delete(offline, recursive: true);
        }
    }
}

/// <summary>The same page in Simplified Chinese.</summary>
public sealed class VendorKeysPageChineseTests() : PortalComponentTest("zh-Hans")
{
    [Fact]
    public async Task With_the_root_offline_the_steps_are_in_Chinese_with_the_same_commands()
    {
        var store = Portal.Get<VendorKeyStore>();
        var directory = Portal.Get<IOptions<LicensingOptions>>().Value.KeyDirectory!;
        _ = store.Root;
        var offline = Directory.CreateTempSubdirectory("lp-offline-root-").FullName;
        try
        {
            File.Move(Path.Combine(directory, "vendor-root.key"), Path.Combine(offline, "vendor-root.key"));
            Assert.True(store.Reload());
            SignInAs(await Portal.AdminAsync());
            RenderProviders();

            var page = Render<VendorKeysPage>();

            Assert.Contains("根密钥离线", page.Find("#root-offline").TextContent, StringComparison.Ordinal);
            Assert.Contains("根密钥离线时新建签名密钥", page.Find("#offline-steps").TextContent, StringComparison.Ordinal);
            Assert.Contains("dotnet LicensePortal.dll keys install --certificate KEYID.cert", page.Find("#offline-steps").TextContent, StringComparison.Ordinal);
            Assert.Contains("指纹", page.Find("#vendor-root").TextContent, StringComparison.Ordinal);
            Assert.Empty(page.FindAll("#add-vendor-key"));
        }
        finally
        {
            Directory.Delete(offline, recursive: true);
        }
    }
}
