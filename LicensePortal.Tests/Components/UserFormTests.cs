using Bunit;
using LicensePortal.Components.Pages.Users;
using LicensePortal.Services;

namespace LicensePortal.Tests.Components;

public sealed class UserFormTests : PortalComponentTest
{
    [Fact]
    public async Task Broken_rules_show_next_to_their_fields_and_nothing_is_saved()
    {
        SignInAs(await Portal.AdminAsync());
        RenderProviders();
        var form = Render<UserForm>();

        form.Find("#field-username input, input#field-username").Input("admin"); // taken by the first administrator
        form.Find("#field-phone input, input#field-phone").Input("12345");
        form.Find("#field-email input, input#field-email").Input("not-an-email");
        form.Find("#field-osauthurl input, input#field-osauthurl").Input("ftp://keystone");
        form.Find("#user-save").Click();

        form.WaitForAssertion(() =>
        {
            var text = form.Markup;
            Assert.Contains("This user name is taken.", text);
            Assert.Contains("Enter the phone number with its country code", text);
            Assert.Contains("Not a valid email address.", text);
            Assert.Contains("Enter an absolute http:// or https:// URL.", text);
        });
        var users = await Portal.Get<UserAdminService>().ListAsync(await Portal.AdminAsync(), new UserQuery());
        Assert.Equal(1, users.Value!.TotalCount);
    }

    [Fact]
    public async Task A_user_created_without_a_password_shows_the_generated_one_once()
    {
        SignInAs(await Portal.AdminAsync());
        RenderProviders();
        CreatedUser? created = null;
        var form = Render<UserForm>(p => p.Add(f => f.OnCreated, c => created = c));

        form.Find("#field-username input, input#field-username").Input("newcomer");
        form.Find("#user-save").Click();

        form.WaitForAssertion(() => Assert.NotEmpty(form.Find("#initial-password").TextContent));
        var shown = form.Find("#initial-password").TextContent;
        form.Find("#user-done").Click();
        Assert.NotNull(created);
        Assert.Equal(shown, created!.InitialPassword);
        Assert.True(created.User.MustChangePassword);
    }
}
