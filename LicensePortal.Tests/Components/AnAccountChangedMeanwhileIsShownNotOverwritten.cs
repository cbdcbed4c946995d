using Bunit;
using LicensePortal.Components.Pages.Users;
using LicensePortal.Services;

namespace LicensePortal.Tests.Components;

/// <summary>
/// The users page when another administrator changed the account since it was read: the edit dialog's save and the
/// active switch are refused, say so in the administrator's language with the stored values, and show those values.
/// </summary>
public abstract class AnAccountChangedMeanwhileIsShownNotOverwritten(string culture, string conflict, string organization, string yes) : PortalComponentTest(culture)
{
    [Fact]
    public async Task The_edit_dialog_shows_the_stored_values_and_saves_nothing()
    {
        var (admin, carol) = await SignedInWithCarolAsync();
        var service = Portal.Get<UserAdminService>();
        UserRow? saved = null;
        var form = Render<UserForm>(p => p.Add(f => f.Existing, carol).Add(f => f.OnSaved, u => saved = u));

        // Another administrator saves while this dialog is open.
        Assert.True((await service.UpdateAsync(admin, carol.Id, UserAdminService.ToInput(carol) with { Organization = "Globex" }, carol.Version)).Succeeded);
        form.Find(OrganizationField).Input("Initech");
        form.Find("#user-save").Click();

        form.WaitForAssertion(() =>
        {
            var alert = form.Find("#user-conflict").TextContent;
            Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, conflict, "carol"), alert);
            Assert.Contains($"{organization} Globex", alert);
            Assert.Equal("Globex", form.Find(OrganizationField).GetAttribute("value"));
        });
        Assert.Null(saved);
        Assert.Equal("Globex", (await service.GetAsync(admin, carol.Id))!.Organization);

        // The fields and the version are the stored ones now: saving again is a deliberate change, and goes through.
        form.Find(OrganizationField).Input("Initech");
        form.Find("#user-save").Click();
        form.WaitForAssertion(() => Assert.NotNull(saved));
        Assert.Equal("Initech", (await service.GetAsync(admin, carol.Id))!.Organization);
    }

    [Fact]
    public async Task The_active_switch_on_a_row_read_before_the_change_is_refused()
    {
        var (admin, carol) = await SignedInWithCarolAsync();
        var service = Portal.Get<UserAdminService>();
        // The page runs in the interactive server render mode, and writes its view into the address only there.
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var page = Render<UsersPage>();
        page.WaitForAssertion(() => Assert.Contains("carol", page.Find("#users-grid").TextContent));

        Assert.True((await service.UpdateAsync(admin, carol.Id, UserAdminService.ToInput(carol) with { Organization = "Globex" }, carol.Version)).Succeeded);
        page.Find(CarolsSwitch).Change(false);

        page.WaitForAssertion(() =>
        {
            var alert = page.Find("#users-conflict").TextContent;
            Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, conflict, "carol"), alert);
            Assert.Contains($"{organization} Globex", alert);
            Assert.Contains(yes, alert);
        });
        Assert.True((await service.GetAsync(admin, carol.Id))!.IsActive);
        // The grid shows the row as stored (reloaded), so the switch now carries the new version and works.
        page.WaitForAssertion(() => Assert.Contains("Globex", page.Find("#users-grid").TextContent));
        page.Find(CarolsSwitch).Change(false);
        await WaitUntilAsync(async () => !(await service.GetAsync(admin, carol.Id))!.IsActive);
    }

    private const string OrganizationField = "#field-organization input, input#field-organization";

    private const string CarolsSwitch = "input[data-user=carol], [data-user=carol] input";

    private async Task<(PortalActor Admin, UserRow Carol)> SignedInWithCarolAsync()
    {
        var admin = await Portal.AdminAsync();
        var carol = await Portal.CreateUserAsync("carol");
        SignInAs(admin);
        RenderProviders();
        return (admin, (await Portal.Get<UserAdminService>().GetAsync(admin, carol.UserId))!);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(await condition());
    }
}

public sealed class AnAccountChangedMeanwhileIsShownNotOverwrittenInEnglish()
    : AnAccountChangedMeanwhileIsShownNotOverwritten("en", "{0} was changed by someone else; your change was not saved.", "organization", "active Yes");

public sealed class AnAccountChangedMeanwhileIsShownNotOverwrittenInChinese()
    : AnAccountChangedMeanwhileIsShownNotOverwritten("zh-Hans", "账户 {0} 已被他人修改，您的修改未保存。", "组织", "已激活 是");
