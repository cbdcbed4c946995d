using System.Net;
using System.Net.Http.Json;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Api;

/// <summary>
/// The API takes phone numbers by the pages' rule: international form, stored in E.164; anything else is refused on the
/// field "phone", in the caller's language, and nothing is stored.
/// </summary>
public sealed class ARefusedPhoneNumberIsAnsweredOnItsField
{
    private const string English = "Enter the phone number with its country code, for example +1 555 010 0100 (at most 15 digits). Only an 11-digit Chinese mobile number may leave out +86.";
    private const string Chinese = "请输入带国家或地区代码的号码，例如 +1 555 010 0100（最多 15 位数字）。只有 11 位的中国大陆手机号可省略 +86。";

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Creating_and_changing_an_account_with_a_number_without_its_country_code_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var factory = new PortalWebFactory(database);
        using var admin = await ApiTestKit.ClientAsync(factory, await factory.AdminAsync());

        using (var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/users") { Content = JsonContent.Create(new { userName = "erin", phone = "555 0100", role = "User" }) })
        {
            create.Headers.AcceptLanguage.ParseAdd("en");
            using var response = await admin.SendAsync(create);
            var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "Error.PhoneFormat", "phone");
            Assert.Equal(English, problem.GetProperty("detail").GetString());
        }

        // A 15-digit number as people write it is stored in E.164 and read back so.
        using var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "carol", phone = "+1 (234) 567-8901-2345", role = "User" });
        var carol = (await ApiTestKit.JsonAsync(created, HttpStatusCode.Created)).GetProperty("user");
        Assert.Equal("+123456789012345", carol.GetProperty("phone").GetString());
        var id = carol.GetProperty("id").GetString();

        using (var change = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/users/{id}") { Content = JsonContent.Create(new { phone = "1380013800", organization = "Globex" }) })
        {
            change.Headers.AcceptLanguage.ParseAdd("zh-CN");
            using var response = await admin.SendAsync(change);
            var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "Error.PhoneFormat", "phone");
            Assert.Equal(Chinese, problem.GetProperty("detail").GetString());
        }

        var after = await ApiTestKit.JsonAsync(await admin.GetAsync(new Uri($"/api/v1/users/{id}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal("+123456789012345", after.GetProperty("phone").GetString());
        Assert.NotEqual("Globex", after.GetProperty("organization").GetString());
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.AnyAsync(u => u.NormalizedUserName == "ERIN"));
    }
}
