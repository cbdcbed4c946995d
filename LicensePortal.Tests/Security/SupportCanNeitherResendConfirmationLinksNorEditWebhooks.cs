using Bunit;
using LicensePortal.Components.Pages.Users;
using LicensePortal.Components.Pages.Webhooks;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Services.Webhooks;
using LicensePortal.Tests.Components;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LicensePortal.Tests.Security;

/// <summary>
/// Support staff see every account but change none: on /users they get no "Resend confirmation link", and calling the
/// service sends nothing (the real SMTP server gets no mail); the webhook edit dialog, were it opened for them, saves
/// nothing. (The /webhooks page itself is administrators only: AuthorizationMatrix.) Each case has the administrator's
/// answer beside it, so the refusal is the role's, not a broken feature.
/// </summary>
public sealed class SupportCanNeitherResendConfirmationLinksNorEditWebhooks : PortalComponentTest
{
    private SmtpSink? _smtp;

    private SmtpSink Smtp => _smtp!;

    protected override async Task<PortalServices> StartPortalAsync()
    {
        _smtp = await SmtpSink.StartAsync();
        // The sink's settings are named as environment variables (Email__Smtp__Host); configuration keys use ':'.
        return await PortalServices.StartAsync(settings: Smtp.PortalSettings().ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value));
    }

    protected override async ValueTask StopMoreAsync()
    {
        if (_smtp is not null)
        {
            await _smtp.DisposeAsync();
        }
    }

    [Fact]
    public async Task Support_is_refused_the_resend_and_no_mail_goes_out()
    {
        var admin = await Portal.AdminAsync();
        var support = await Portal.CreateUserAsync("desk", PortalRole.Support);
        var erin = await Portal.CreateUserAsync("erin");
        var users = Portal.Get<UserAdminService>();
        var row = (await users.GetAsync(admin, erin.UserId))!;
        Assert.False(row.Confirmed);
        var sent = MailsToErin(); // the link sent when the account was made

        Assert.False(users.CanSendConfirmationLink(support, row));
        var refused = await users.SendConfirmationLinkAsync(support, erin.UserId);
        Assert.Equal(Failure.Forbidden, refused.Failure);
        Assert.Equal(sent, MailsToErin());
        Assert.Empty(await EntriesAsync(admin, AuditLog.ConfirmationLinkSentAgain));

        Assert.True(users.CanSendConfirmationLink(admin, row));
        Assert.True((await users.SendConfirmationLinkAsync(admin, erin.UserId)).Succeeded);
        Assert.Equal(sent + 1, MailsToErin());
        Assert.Single(await EntriesAsync(admin, AuditLog.ConfirmationLinkSentAgain));
    }

    [Theory]
    [InlineData(PortalRole.Support, 0)]
    [InlineData(PortalRole.Administrator, 1)]
    public async Task The_users_page_offers_the_resend_to_administrators_only(string role, int offered)
    {
        var viewer = await Portal.CreateUserAsync("viewer", role);
        await Portal.CreateUserAsync("erin");
        SignInAs(viewer);
        RenderProviders();
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var page = Render<UsersPage>();
        page.WaitForAssertion(() => Assert.Contains("erin@example.com", page.Find("#users-grid").TextContent, StringComparison.Ordinal));
        Assert.Contains("not confirmed", page.Find("#users-grid").TextContent, StringComparison.Ordinal);
        Assert.Equal(offered, page.FindAll(".resend-confirmation[data-user='erin']").Count);
    }

    [Fact]
    public async Task The_webhook_edit_dialog_saves_nothing_for_support()
    {
        var admin = await Portal.AdminAsync();
        var support = await Portal.CreateUserAsync("desk", PortalRole.Support);
        var webhooks = Portal.Get<WebhookService>();
        var created = (await webhooks.CreateAsync(admin, new WebhookInput("https://crm.customer.example/hook", "CRM", ["license.issued"]))).Value!.Endpoint;

        Assert.Equal(Failure.Forbidden, (await webhooks.UpdateAsync(support, created.Id, new WebhookInput("https://evil.example/", "", ["license.issued"]), created.Version)).Failure);

        SignInAs(support);
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        await dialogs.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<WebhookDialog>("edit",
            new DialogParameters<WebhookDialog> { { d => d.Endpoint, created } }));
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("#edit-webhook-url input, input#edit-webhook-url")));
        dialogs.Find("#edit-webhook-url input, input#edit-webhook-url").Change("https://evil.example/");
        dialogs.Find("#edit-webhook-save").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("You are not allowed to do this.", dialogs.Find("#webhook-edit-error").TextContent, StringComparison.Ordinal));

        var stored = (await webhooks.GetAsync(admin, created.Id)).Value!;
        Assert.Equal("https://crm.customer.example/hook", stored.Url);
        Assert.Equal(created.Version, stored.Version);
        Assert.Empty(await EntriesAsync(admin, "webhook.update"));
    }

    private int MailsToErin() => Smtp.Messages().Count(m => m.IsTo("erin@example.com"));

    private async Task<IReadOnlyList<AuditRow>> EntriesAsync(PortalActor admin, string action) =>
        (await Portal.Get<AuditService>().ListAsync(admin, new AuditQuery { ActionPrefix = action })).Value!.Items;
}
