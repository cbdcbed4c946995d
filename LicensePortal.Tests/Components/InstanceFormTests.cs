using Bunit;
using LicensePortal.Components.Pages.Instances;
using LicensePortal.Services;

namespace LicensePortal.Tests.Components;

public sealed class InstanceFormTests : PortalComponentTest
{
    [Fact]
    public async Task A_bad_name_a_negative_quota_and_a_missing_owner_are_shown_and_nothing_is_saved()
    {
        var admin = await Portal.AdminAsync();
        SignInAs(admin);
        RenderProviders();
        var form = Render<InstanceForm>();

        form.Find("#field-name input, input#field-name").Input("bad name!");
        form.Find("#field-maxdesktops input, input#field-maxdesktops").Input("-1");
        form.Find("#instance-save").Click();

        form.WaitForAssertion(() =>
        {
            var text = form.Find(".instance-form").TextContent;
            Assert.Contains("Use only letters, digits, '-', '_' and '.'.", text);
            Assert.Contains("Enter a whole number from 0 to 100000.", text);
            Assert.Contains("Choose an existing user as owner.", text);
        });
        Assert.Equal(0, (await Portal.Get<InstanceService>().ListAsync(admin, new InstanceQuery())).TotalCount);
    }

    [Fact]
    public async Task A_duplicate_name_differing_only_in_case_is_refused_next_to_the_name()
    {
        var admin = await Portal.AdminAsync();
        var owner = await Portal.CreateUserAsync("owner");
        await Portal.CreateInstanceAsync("Acme-01", owner);
        SignInAs(admin);
        RenderProviders();
        var form = Render<InstanceForm>();

        form.Find("#field-name input, input#field-name").Input("ACME-01");
        form.Find("#instance-save").Click();

        form.WaitForAssertion(() => Assert.Contains("An instance with this name already exists (names ignore case).", form.Markup));
        Assert.Equal(1, (await Portal.Get<InstanceService>().ListAsync(admin, new InstanceQuery())).TotalCount);
    }
}
