using Bunit;
using LicensePortal.Components.Pages.Users;
using LicensePortal.Data;

namespace LicensePortal.Tests.Components;

/// <summary>
/// The role a customer has is stored and named in the API as <c>User</c>, but on the screen it is "Customer" (客户): in
/// the users grid's role column and in the account form's role field, which a new account starts with.
/// </summary>
public abstract class TheCustomerRoleIsCalledCustomer(string culture, string customer, string storedName) : PortalComponentTest(culture)
{
    [Fact]
    public async Task A_customer_accounts_role_reads_customer_in_the_users_grid()
    {
        SignInAs(await Portal.AdminAsync());
        await Portal.CreateUserAsync("carol", PortalRole.User);
        RenderProviders();
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var page = Render<UsersPage>();

        page.WaitForAssertion(() => Assert.Contains("carol", page.Find("#users-grid").TextContent));
        var cells = page.FindAll("#users-grid tbody tr").Single(r => r.TextContent.Contains("carol", StringComparison.Ordinal))
            .QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList();
        Assert.Contains(customer, cells);
        Assert.DoesNotContain(storedName, cells);
    }

    [Fact]
    public async Task A_new_account_starts_as_a_customer_and_the_form_says_so()
    {
        SignInAs(await Portal.AdminAsync());
        RenderProviders();
        var form = Render<UserForm>();

        var role = form.Find("#field-role input, input#field-role");
        Assert.Equal(customer, role.GetAttribute("value"));
    }
}

public sealed class TheCustomerRoleIsCalledCustomerInEnglish() : TheCustomerRoleIsCalledCustomer("en", "Customer", "User");

public sealed class TheCustomerRoleIsCalledCustomerInChinese() : TheCustomerRoleIsCalledCustomer("zh-Hans", "客户", "User");
