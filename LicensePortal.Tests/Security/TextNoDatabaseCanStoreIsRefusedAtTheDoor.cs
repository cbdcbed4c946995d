using System.Net;
using System.Text;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Security;

/// <summary>
/// U+0000 (PostgreSQL's text refuses it) and a lone UTF-16 surrogate (no UTF-8 form) in each kind of input, on both
/// databases: a JSON property, a query parameter, the anonymous token exchange, the sign-in form and the services the
/// Blazor pages call. Each is a 400 (or the field's message) naming the field, in the caller's language, and nothing is
/// stored. A lone surrogate cannot travel in a URL or a form (their UTF-8 decoding makes it U+FFFD), only in JSON.
/// </summary>
public sealed class TextNoDatabaseCanStoreIsRefusedAtTheDoor
{
    /// <summary>By name: xunit would carry a lone surrogate in theory data as U+FFFD.</summary>
    public static TheoryData<DatabaseProvider, string> Cases()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            data.Add(provider, "nul");
            data.Add(provider, "high-surrogate");
            data.Add(provider, "low-surrogate");
        }
        return data;
    }

    private static string Character(string name) => name switch
    {
        "nul" => "\u0000",
        "high-surrogate" => "\ud800",
        _ => "\udc00",
    };

    /// <summary>The character as JSON escapes it (\u0000, \ud800): the only way JSON carries a lone surrogate.</summary>
    private static string Escaped(string name) => $"\\u{(int)Character(name)[0]:x4}";

    private const string EnglishMessage = "This text contains a character that cannot be stored (U+0000 or half of a UTF-16 surrogate pair).";
    private const string ChineseMessage = "此文本包含无法保存的字符（U+0000 或不成对的 UTF-16 代理项）。";

    /// <summary>JSON as a script writes it, <c>BAD</c> replaced by the escaped character (a serializer would write U+FFFD for a lone surrogate).</summary>
    private static StringContent Json(object body, string name) =>
        new(JsonSerializer.Serialize(body).Replace("BAD", Escaped(name), StringComparison.Ordinal), Encoding.UTF8, "application/json");

    private static HttpClient English(HttpClient client)
    {
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        return client;
    }

    [SkippableTheory, MemberData(nameof(Cases))]
    public async Task Json_properties_query_values_and_the_token_exchange_answer_400_naming_the_field(DatabaseProvider provider, string character)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var factory = new PortalWebFactory(database);
        var admin = await factory.AdminAsync();
        using var client = English(await ApiTestKit.ClientAsync(factory, admin));

        // A JSON property of a new account: nothing created.
        using (var response = await client.PostAsync(new Uri("/api/v1/users", UriKind.Relative),
            Json(new { userName = "dora", email = "dora@example.com", organization = "AcBADme", role = PortalRole.User }, character)))
        {
            var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, StorableText.ErrorCode, "organization");
            Assert.Equal(EnglishMessage, problem.GetProperty("detail").GetString());
        }
        // The owner of a new instance (looked up in the database): nothing created.
        using (var response = await client.PostAsync(new Uri("/api/v1/instances", UriKind.Relative),
            Json(new { name = "door-01", ownerId = "xBAD", maxDesktops = 1, maxImages = 1, maxUsers = 1, maxVcpus = 1, maxVmemGib = 1, maxVdiskGib = 1, expiresAt = "2099-01-01" }, character)))
        {
            await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, StorableText.ErrorCode, "ownerId");
        }
        // The anonymous token exchange: in Chinese without Accept-Language, and no sign-in attempt counted or looked up.
        using (var anonymous = ApiTestKit.Anonymous(factory))
        using (var response = await anonymous.PostAsync(new Uri("/api/v1/tokens", UriKind.Relative),
            Json(new { userName = "adBADmin", password = "whatever-it-is" }, character)))
        {
            var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, StorableText.ErrorCode, "userName");
            Assert.Equal(ChineseMessage, problem.GetProperty("detail").GetString());
        }
        // A query parameter (`search`, compared in the database): U+0000 only, a URL has no lone surrogates.
        if (character == "nul")
        {
            using var response = await client.GetAsync(new Uri("/api/v1/users?search=a%00b", UriKind.Relative));
            await ApiTestKit.ProblemAsync(response, HttpStatusCode.BadRequest, StorableText.ErrorCode, "search");
            using var instances = await client.GetAsync(new Uri("/api/v1/instances?owner=a%00b", UriKind.Relative));
            await ApiTestKit.ProblemAsync(instances, HttpStatusCode.BadRequest, StorableText.ErrorCode, "owner");
        }

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.False(await db.Users.AnyAsync(u => u.NormalizedUserName == "DORA"));
        Assert.False(await db.Instances.AnyAsync(i => i.NormalizedName == "DOOR-01"));
    }

    [SkippableTheory, MemberData(nameof(Cases))]
    public async Task The_services_behind_the_pages_refuse_it_on_the_field_before_asking_the_database(DatabaseProvider provider, string character)
    {
        var bad = Character(character);
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var factory = new PortalWebFactory(database);
        var admin = await factory.AdminAsync();
        var users = factory.Services.GetRequiredService<UserAdminService>();
        var instances = factory.Services.GetRequiredService<InstanceService>();

        // The user form: every text field, the user name too (its uniqueness is a database look-up).
        var created = await users.CreateAsync(admin, new UserInput($"er{bad}ic", "eric@example.com", null, "Acme", null, PortalRole.User), null);
        Assert.Equal(Failure.Invalid, created.Failure);
        Assert.Equal(new FieldError(nameof(UserInput.UserName), StorableText.ErrorCode), Assert.Single(created.Errors));
        created = await users.CreateAsync(admin, new UserInput("eric", $"er{bad}ic@example.com", null, $"Ac{bad}me", null, PortalRole.User), null);
        Assert.Equal([nameof(UserInput.Email), nameof(UserInput.Organization)], created.Errors.Select(e => e.Field));
        Assert.All(created.Errors, e => Assert.Equal(StorableText.ErrorCode, e.Code));

        // An account edit: nothing written.
        var (fay, _) = await factory.CreateUserAsync("fay");
        var row = (await users.GetAsync(admin, fay.UserId))!;
        var updated = await users.UpdateAsync(admin, fay.UserId, new UserInput("fay", "fay@example.com", null, $"Ne{bad}w", null, PortalRole.User), row.Version);
        Assert.Equal(new FieldError(nameof(UserInput.Organization), StorableText.ErrorCode), Assert.Single(updated.Errors));
        Assert.Equal("Acme", (await users.GetAsync(admin, fay.UserId))!.Organization);

        // The instance form: the name and the owner.
        var quotas = new InstanceQuotas(1, 1, 1, 1, 1, 1, new DateOnly(2099, 1, 1));
        var instance = await instances.CreateAsync(admin, new NewInstance($"inst{bad}-1", fay.UserId, quotas));
        Assert.Equal(new FieldError(nameof(NewInstance.Name), StorableText.ErrorCode), Assert.Single(instance.Errors));
        instance = await instances.CreateAsync(admin, new NewInstance("inst-1", $"{fay.UserId}{bad}", quotas));
        Assert.Equal(new FieldError(nameof(NewInstance.OwnerId), StorableText.ErrorCode), Assert.Single(instance.Errors));

        // The search boxes and filters: the users' search is refused on its field, the instances' filters find nothing.
        var search = await users.ListAsync(admin, new UserQuery(Search: $"fa{bad}"));
        Assert.Equal(new FieldError(nameof(UserQuery.Search), StorableText.ErrorCode), Assert.Single(search.Errors));
        Assert.Empty((await instances.ListAsync(admin, new InstanceQuery(OwnerUserName: $"fa{bad}y"))).Items);
        Assert.Empty((await instances.ListAsync(admin, new InstanceQuery(NamePrefix: $"in{bad}"))).Items);
        Assert.Null(await instances.FindByNameAsync(admin, $"inst{bad}-1"));

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.False(await db.Users.AnyAsync(u => u.NormalizedUserName == "ERIC"));
        Assert.Equal(0, await db.Instances.CountAsync());
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_sign_in_form_shows_the_message_on_the_field_with_400(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var factory = new PortalWebFactory(database);
        using var browser = English(factory.CreateBrowser());

        // URL-encoded (what the page's form sends): ASP.NET Core's form reader itself refuses U+0000 (InvalidDataException),
        // so the antiforgery check cannot read the form and answers 400 before the page runs.
        using (var encoded = await PortalWebFactory.SignInAsync(browser, "ad\0min", PortalWebFactory.AdminPassword))
        {
            Assert.Equal(HttpStatusCode.BadRequest, encoded.StatusCode);
        }
        // Multipart (the form reader takes it): the page validates the field with the rule and shows why, with 400.
        var token = await PortalWebFactory.FormTokenAsync(browser, "/Identity/Account/Login");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("ad\0min"), "Input.UserName" },
            { new StringContent(PortalWebFactory.AdminPassword), "Input.Password" },
            { new StringContent(token), "__RequestVerificationToken" },
        };
        using var response = await browser.PostAsync(new Uri("/Identity/Account/Login", UriKind.Relative), form);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {html}");
        // The message's start (Razor's encoder writes "+" as an entity).
        Assert.Matches("data-valmsg-for=\"Input.UserName\"[^>]*>This text contains a character that cannot be stored", html);
        Assert.DoesNotContain("LicensePortal.Auth", string.Join(";", response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : []), StringComparison.Ordinal);

        await using var scope = factory.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(PortalWebFactory.AdminUserName);
        Assert.Equal(0, admin!.AccessFailedCount); // not an attempt at all
    }
}
