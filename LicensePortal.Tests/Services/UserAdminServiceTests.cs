using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Services;

/// <summary>The seed's 用户管理 through the real UserAdminService and Identity, on SQLite and PostgreSQL.</summary>
public sealed class UserAdminServiceTests
{
    /// <summary>Both providers, each with both roles that may not change accounts.</summary>
    public static TheoryData<DatabaseProvider, string> ProvidersAndNonAdministrators => new()
    {
        { DatabaseProvider.Sqlite, PortalRole.User },
        { DatabaseProvider.Sqlite, PortalRole.Support },
        { DatabaseProvider.Postgres, PortalRole.User },
        { DatabaseProvider.Postgres, PortalRole.Support },
    };

    private static UserInput Carol(string? email = "carol@example.com", string? phone = "13800138000", string? organization = "Acme", string? url = "https://keystone.example.com:5000/v3") =>
        new("carol", email, phone, organization, url, PortalRole.User);

    // ---- create --------------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Creating_without_a_password_returns_a_generated_one_that_the_stored_hash_verifies_and_that_must_be_changed(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(), password: null);

        Assert.True(result.Succeeded);
        var generated = result.Value!.InitialPassword;
        Assert.False(string.IsNullOrEmpty(generated));
        Assert.True(result.Value.User.MustChangePassword);
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var stored = (await users.FindByNameAsync("carol"))!;
        Assert.True(stored.MustChangePassword);
        Assert.NotEqual(generated, stored.PasswordHash);
        Assert.True(await users.CheckPasswordAsync(stored, generated!));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_generated_password_is_stored_in_no_column_of_the_users_table(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(), password: null);

        var generated = result.Value!.InitialPassword!;
        var cells = await AllCellsAsync(portal, "AspNetUsers");
        Assert.Contains(cells, c => c.Contains("carol", StringComparison.Ordinal)); // the row is really there
        Assert.DoesNotContain(cells, c => c.Contains(generated, StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Creating_with_a_typed_password_returns_no_password_and_asks_for_no_change(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(), "Car0l-Passw0rd!");

        Assert.True(result.Succeeded);
        Assert.Null(result.Value!.InitialPassword);
        Assert.False(result.Value.User.MustChangePassword);
        Assert.Equal(PortalRole.User, result.Value.User.Role);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_user_name_already_taken_ignoring_case_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        await portal.CreateUserAsync("carol");
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(email: "other@example.com") with { UserName = "CAROL" }, null);

        AssertInvalid(result, ("UserName", "Error.DuplicateUserName"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_email_already_taken_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        await portal.CreateUserAsync("dave"); // dave@example.com
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(email: "Dave@Example.com"), null);

        AssertInvalid(result, ("Email", "Error.DuplicateEmail"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_phone_without_its_country_code_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(phone: "1380013800"), null);

        AssertInvalid(result, ("Phone", "Error.PhoneFormat"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_malformed_email_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(email: "Carol <carol@example.com>"), null);

        AssertInvalid(result, ("Email", "Error.EmailFormat"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_malformed_os_auth_url_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(url: "ftp://keystone.example.com"), null);

        AssertInvalid(result, ("OsAuthUrl", "Error.UrlFormat"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_organization_longer_than_64_characters_is_refused(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(await portal.AdminAsync(), Carol(organization: new string('o', 65)), null);

        AssertInvalid(result, ("Organization", "Error.TooLong"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    // ---- who may do what -----------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(ProvidersAndNonAdministrators))]
    public async Task A_non_administrator_cannot_create_an_account(DatabaseProvider provider, string role)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var actor = await portal.CreateUserAsync("someone", role);
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().CreateAsync(actor, Carol(), null);

        Assert.Equal(Failure.Forbidden, result.Failure);
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(ProvidersAndNonAdministrators))]
    public async Task A_non_administrator_cannot_update_an_account(DatabaseProvider provider, string role)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var actor = await portal.CreateUserAsync("someone", role);
        var dave = await portal.CreateUserAsync("dave");
        var version = (await portal.Get<UserAdminService>().GetAsync(await portal.AdminAsync(), dave.UserId))!.Version;
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().UpdateAsync(actor, dave.UserId, new UserInput("dave", "dave@example.com", null, "Evil", null, PortalRole.Administrator), version);

        Assert.Equal(Failure.Forbidden, result.Failure);
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(ProvidersAndNonAdministrators))]
    public async Task A_non_administrator_cannot_deactivate_an_account(DatabaseProvider provider, string role)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var actor = await portal.CreateUserAsync("someone", role);
        var dave = await portal.CreateUserAsync("dave");
        var before = await UsersSnapshotAsync(portal);

        var result = await portal.Get<UserAdminService>().SetActiveAsync(actor, dave.UserId, active: false);

        Assert.Equal(Failure.Forbidden, result.Failure);
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(ProvidersAndNonAdministrators))]
    public async Task A_non_administrator_cannot_delete_an_account(DatabaseProvider provider, string role)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var actor = await portal.CreateUserAsync("someone", role);
        var dave = await portal.CreateUserAsync("dave");
        var before = await UsersSnapshotAsync(portal);

        var results = await portal.Get<UserAdminService>().DeleteAsync(actor, [dave.UserId]);

        Assert.Equal([new BulkItemResult(dave.UserId, false, "Error.Forbidden")], results);
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_customer_cannot_list_accounts(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var carol = await portal.CreateUserAsync("carol");

        var result = await portal.Get<UserAdminService>().ListAsync(carol, new UserQuery());

        Assert.Equal(Failure.Forbidden, result.Failure);
        Assert.Null(result.Value);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Support_lists_every_account(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var helpdesk = await portal.CreateUserAsync("helpdesk", PortalRole.Support);
        await portal.CreateUserAsync("carol");

        var result = await portal.Get<UserAdminService>().ListAsync(helpdesk, new UserQuery());

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Value!.TotalCount);
        Assert.Equal([PortalServices.AdminUserName, "carol", "helpdesk"], result.Value.Items.Select(u => u.UserName));
    }

    // ---- delete --------------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deleting_an_account_deletes_its_instances_and_no_one_elses(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("bob-01", bob);
        await portal.CreateInstanceAsync("bob-02", bob);
        await portal.CreateInstanceAsync("alice-01", alice);

        var results = await portal.Get<UserAdminService>().DeleteAsync(await portal.AdminAsync(), [bob.UserId]);

        Assert.Equal([new BulkItemResult("bob", true, null)], results);
        Assert.Equal(["alice-01"], (await InstanceServiceTests.AllInstancesAsync(portal)).Select(i => i.Name));
        Assert.Equal([PortalServices.AdminUserName, "alice"], await UserNamesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deleting_an_account_deletes_its_instances_the_way_every_instance_is_deleted_and_open_pages_hear_of_it(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var bob = await portal.CreateUserAsync("bob");
        var carol = await portal.CreateUserAsync("carol");
        var bobs = new[] { await portal.CreateInstanceAsync("bob-01", bob), await portal.CreateInstanceAsync("bob-02", bob) };
        var carols = await portal.CreateInstanceAsync("carol-01", carol);
        var heard = new List<LicensePortal.Notifications.InstanceChange>();
        using var page = portal.Get<LicensePortal.Notifications.InstanceChangeNotifier>().Subscribe(admin, c => { lock (heard) { heard.Add(c); } return Task.CompletedTask; });

        Assert.True(Assert.Single(await portal.Get<InstanceService>().DeleteAsync(admin, [carols.Id])).Succeeded);
        Assert.True(Assert.Single(await portal.Get<UserAdminService>().DeleteAsync(admin, [bob.UserId])).Succeeded);

        lock (heard)
        {
            Assert.Equal(
                new[] { carols.Id, bobs[0].Id, bobs[1].Id }.Order(),
                heard.Where(c => c.Kind == LicensePortal.Notifications.InstanceChangeKind.Deleted).Select(c => c.InstanceId).Order());
        }
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var entries = await db.AuditEntries.AsNoTracking().Where(e => e.Action == "instance.delete").ToDictionaryAsync(e => e.TargetKey);
        static string[] Keys(string? json) => JsonDocument.Parse(json!).RootElement.EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(Keys(entries["carol-01"].Before), Keys(entries["bob-01"].Before));
        Assert.Equal(Keys(entries["carol-01"].Before), Keys(entries["bob-02"].Before));
        Assert.Equal(10, JsonDocument.Parse(entries["bob-01"].Before!).RootElement.GetProperty("maxDesktops").GetInt32());
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_deletion_preview_lists_the_instances_that_go_with_the_account_and_deletes_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("bob-02", bob);
        await portal.CreateInstanceAsync("bob-01", bob);
        await portal.CreateInstanceAsync("alice-01", alice);
        var before = await UsersSnapshotAsync(portal);

        var preview = await portal.Get<UserAdminService>().PreviewDeletionAsync(await portal.AdminAsync(), [bob.UserId]);

        var only = Assert.Single(preview);
        Assert.Equal((bob.UserId, "bob"), (only.UserId, only.UserName));
        Assert.Equal(["bob-01", "bob-02"], only.InstanceNames);
        Assert.Equal(before, await UsersSnapshotAsync(portal));
        Assert.Equal(3, (await InstanceServiceTests.AllInstancesAsync(portal)).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deleting_many_says_which_succeeded_and_why_the_others_failed(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var bob = await portal.CreateUserAsync("bob");
        var carol = await portal.CreateUserAsync("carol");
        var unknown = Guid.NewGuid().ToString();

        var results = await portal.Get<UserAdminService>().DeleteAsync(admin, [bob.UserId, admin.UserId, unknown, carol.UserId]);

        Assert.Equal(
            [
                new BulkItemResult("bob", true, null),
                new BulkItemResult(PortalServices.AdminUserName, false, "Error.CannotDeleteSelf"),
                new BulkItemResult(unknown, false, "Error.NotFound"),
                new BulkItemResult("carol", true, null),
            ],
            results);
        Assert.Equal([PortalServices.AdminUserName], await UserNamesAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_last_active_administrator_cannot_be_deleted(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        // A second administrator, deactivated while their session is still open: they still act as an administrator.
        var admin2 = await portal.CreateUserAsync("admin2", PortalRole.Administrator);
        Assert.True((await portal.Get<UserAdminService>().SetActiveAsync(admin, admin2.UserId, active: false)).Succeeded);
        var before = await UsersSnapshotAsync(portal);

        var results = await portal.Get<UserAdminService>().DeleteAsync(admin2, [admin.UserId]);

        Assert.Equal([new BulkItemResult(PortalServices.AdminUserName, false, "Error.LastAdministrator")], results);
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    // ---- activation and roles ------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deactivating_an_account_changes_its_security_stamp_so_open_sessions_end(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var carol = await portal.CreateUserAsync("carol");
        var stampBefore = (await FindAsync(portal, carol.UserId)).SecurityStamp;

        var result = await portal.Get<UserAdminService>().SetActiveAsync(await portal.AdminAsync(), carol.UserId, active: false);

        Assert.True(result.Succeeded);
        var stored = await FindAsync(portal, carol.UserId);
        Assert.False(stored.IsActive);
        Assert.NotEqual(stampBefore, stored.SecurityStamp);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_last_active_administrator_cannot_be_demoted_even_when_an_inactive_administrator_exists(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var service = portal.Get<UserAdminService>();
        var admin2 = await portal.CreateUserAsync("admin2", PortalRole.Administrator);
        Assert.True((await service.SetActiveAsync(admin, admin2.UserId, active: false)).Succeeded);
        var current = (await service.GetAsync(admin, admin.UserId))!;
        var before = await UsersSnapshotAsync(portal);

        var result = await service.UpdateAsync(admin, admin.UserId, UserAdminService.ToInput(current) with { Role = PortalRole.User }, current.Version);

        AssertInvalid(result, ("Role", "Error.LastAdministrator"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
        Assert.Equal(PortalRole.Administrator, (await service.GetAsync(admin, admin.UserId))!.Role);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_last_active_administrator_cannot_be_deactivated(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var service = portal.Get<UserAdminService>();
        var current = (await service.GetAsync(admin, admin.UserId))!;
        var before = await UsersSnapshotAsync(portal);

        var result = await service.UpdateAsync(admin, admin.UserId, UserAdminService.ToInput(current) with { IsActive = false }, current.Version);

        AssertInvalid(result, ("Role", "Error.LastAdministrator"));
        Assert.Equal(before, await UsersSnapshotAsync(portal));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_administrator_can_be_demoted_while_another_active_administrator_remains(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var service = portal.Get<UserAdminService>();
        var admin2 = await portal.CreateUserAsync("admin2", PortalRole.Administrator);
        var stampBefore = (await FindAsync(portal, admin2.UserId)).SecurityStamp;
        var current = (await service.GetAsync(admin, admin2.UserId))!;

        var result = await service.UpdateAsync(admin, admin2.UserId, UserAdminService.ToInput(current) with { Role = PortalRole.Support }, current.Version);

        Assert.True(result.Succeeded);
        Assert.Equal(PortalRole.Support, (await service.GetAsync(admin, admin2.UserId))!.Role);
        Assert.NotEqual(stampBefore, (await FindAsync(portal, admin2.UserId)).SecurityStamp);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static void AssertInvalid<T>(ServiceResult<T> result, params (string Field, string Code)[] expected)
    {
        Assert.Equal(Failure.Invalid, result.Failure);
        Assert.Equal(expected, result.Errors.Select(e => (e.Field, e.Code)));
    }

    private static async Task<PortalUser> FindAsync(PortalServices portal, string id)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.AsNoTracking().SingleAsync(u => u.Id == id);
    }

    private static async Task<List<string>> UserNamesAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.AsNoTracking().OrderBy(u => u.NormalizedUserName).Select(u => u.UserName!).ToListAsync();
    }

    /// <summary>Every account with every column, and every role membership, as one string to compare before and after.</summary>
    private static async Task<string> UsersSnapshotAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Id).ToListAsync();
        var roles = await db.UserRoles.AsNoTracking().OrderBy(r => r.UserId).ThenBy(r => r.RoleId).Select(r => r.UserId + ":" + r.RoleId).ToListAsync();
        return JsonSerializer.Serialize(new { users, roles });
    }

    /// <summary>Every cell of a table, read as text with plain SQL (whatever columns the table has).</summary>
    private static async Task<List<string>> AllCellsAsync(PortalServices portal, string table)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // the table name is a constant from the test
        command.CommandText = $"SELECT * FROM \"{table}\"";
#pragma warning restore CA2100
        await using var reader = await command.ExecuteReaderAsync();
        var cells = new List<string>();
        while (await reader.ReadAsync())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                cells.Add(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "");
            }
        }
        return cells;
    }
}
