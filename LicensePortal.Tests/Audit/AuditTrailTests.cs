using System.Text;
using System.Text.Json;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Audit;

/// <summary>The audit trail through the real services: what each change records, what a refused change does not, and who may read it.</summary>
public sealed class AuditTrailTests
{
    private const string Name = "alice-01";
    private const string AdminAddress = "198.51.100.20";

    private static async Task<List<AuditEntry>> EntriesAsync(PortalServices portal, string? actionPrefix = null)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var all = await db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
        return actionPrefix is null ? all : all.Where(e => e.Action.StartsWith(actionPrefix, StringComparison.Ordinal)).ToList();
    }

    private static JsonElement Json(string? text) => JsonDocument.Parse(text ?? throw new InvalidOperationException("no JSON")).RootElement;

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task An_instance_quota_update_records_before_and_after_with_the_actor_and_address(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var row = await portal.CreateInstanceAsync(Name, alice, desktops: 10);
        var admin = (await portal.AdminAsync()) with { RemoteAddress = AdminAddress };
        portal.Time.Advance(TimeSpan.FromMinutes(5));

        var result = await portal.Get<InstanceService>().UpdateAsync(admin, row.Id, row.ToQuotas() with { MaxDesktops = 25 }, row.Version);

        Assert.True(result.Succeeded);
        var entry = Assert.Single(await EntriesAsync(portal, "instance.update"));
        Assert.Equal((admin.UserId, PortalServices.AdminUserName, AdminAddress, "instance", Name),
            (entry.ActorUserId, entry.ActorUserName, entry.RemoteAddress, entry.TargetType, entry.TargetKey));
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime, entry.At);
        Assert.Equal(10, Json(entry.Before).GetProperty("maxDesktops").GetInt32());
        Assert.Equal(25, Json(entry.After).GetProperty("maxDesktops").GetInt32());
        var created = Assert.Single(await EntriesAsync(portal, "instance.create"));
        Assert.Null(created.Before);
        Assert.Equal(Name, Json(created.After).GetProperty("name").GetString());
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_refused_update_records_nothing(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var row = await portal.CreateInstanceAsync(Name, alice);
        var admin = await portal.AdminAsync();
        var service = portal.Get<InstanceService>();
        var before = await EntriesAsync(portal);

        var stale = await service.UpdateAsync(admin, row.Id, row.ToQuotas() with { MaxDesktops = 11 }, Guid.NewGuid());
        var invalid = await service.UpdateAsync(admin, row.Id, row.ToQuotas() with { MaxDesktops = -1 }, row.Version);
        var forbidden = await service.UpdateAsync(alice, row.Id, row.ToQuotas() with { MaxDesktops = 12 }, row.Version);

        Assert.Equal((Failure.Conflict, Failure.Invalid, Failure.Forbidden), (stale.Failure, invalid.Failure, forbidden.Failure));
        Assert.Equal(before.Select(e => e.Id), (await EntriesAsync(portal)).Select(e => e.Id));
    }

    [Fact]
    public async Task A_user_creation_is_recorded_without_any_password()
    {
        await using var portal = await PortalServices.StartAsync();
        var admin = (await portal.AdminAsync()) with { RemoteAddress = AdminAddress };
        const string password = "Secr3t-Passw0rd!";
        var users = portal.Get<UserAdminService>();

        var chosen = await users.CreateAsync(admin, new UserInput("carol", "carol@example.com", null, "Acme", null, PortalRole.Support), password);
        var generated = await users.CreateAsync(admin, new UserInput("dave", "dave@example.com", null, "Acme", null, PortalRole.User), null);

        Assert.True(chosen.Succeeded && generated.Succeeded);
        var entries = await EntriesAsync(portal, "user.create");
        Assert.Equal(["carol", "dave"], entries.Select(e => e.TargetKey));
        Assert.All(entries, e => Assert.Equal(AdminAddress, e.RemoteAddress));
        Assert.Equal(PortalRole.Support, Json(entries[0].After).GetProperty("role").GetString());
        foreach (var text in entries.SelectMany(e => new[] { e.Before ?? "", e.After ?? "" }))
        {
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(generated.Value!.InitialPassword!, text, StringComparison.Ordinal);
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("stamp", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Deactivating_and_deleting_an_account_are_recorded_in_the_same_commit()
    {
        await using var portal = await PortalServices.StartAsync();
        var admin = await portal.AdminAsync();
        var bob = await portal.CreateUserAsync("bob");
        await portal.CreateInstanceAsync("bob-01", bob);
        var users = portal.Get<UserAdminService>();

        Assert.True((await users.SetActiveAsync(admin, bob.UserId, false)).Succeeded);
        Assert.True(Assert.Single(await users.DeleteAsync(admin, [bob.UserId])).Succeeded);

        var deactivated = Assert.Single(await EntriesAsync(portal, "user.deactivate"));
        Assert.True(Json(deactivated.Before).GetProperty("isActive").GetBoolean());
        Assert.False(Json(deactivated.After).GetProperty("isActive").GetBoolean());
        var deleted = Assert.Single(await EntriesAsync(portal, "user.delete"));
        Assert.Equal(("bob", (string?)null), (deleted.TargetKey, deleted.After));
        Assert.Contains(await EntriesAsync(portal, "instance.delete"), e => e.TargetKey == "bob-01");
    }

    [Fact]
    public async Task A_host_info_upload_and_a_license_download_are_recorded_with_the_address()
    {
        await using var portal = await PortalServices.StartAsync();
        var alice = (await portal.CreateUserAsync("alice")) with { RemoteAddress = Address };
        await portal.CreateInstanceAsync(Name, alice);
        var licenses = portal.Get<LicenseService>();
        var key = HostKey.Generate();

        var rejected = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo("someone-else", key));
        var accepted = await portal.Get<HostInfoIntake>().UploadAsync(alice, Name, HostInfo(Name, key));
        var generated = await licenses.GenerateAsync(alice, Name, Address);
        var latest = await licenses.LatestAsync(alice, Name, Address);

        Assert.True(rejected.Succeeded && !rejected.Value!.Accepted && accepted.Value!.Accepted && generated.Succeeded && latest.Succeeded);
        var refusedEntry = Assert.Single(await EntriesAsync(portal, "hostinfo.rejected"));
        Assert.Equal("HostInfo.OtherInstance", Json(refusedEntry.After).GetProperty("reason").GetString());
        var upload = Assert.Single(await EntriesAsync(portal, "hostinfo.upload"));
        Assert.Equal(("alice", Address, Name), (upload.ActorUserName, upload.RemoteAddress, upload.TargetKey));
        Assert.Equal(key.Fingerprint, Json(upload.After).GetProperty("hostKeyFingerprint").GetString());
        var issue = Assert.Single(await EntriesAsync(portal, "license.generate"));
        var download = Assert.Single(await EntriesAsync(portal, "license.download"));
        foreach (var entry in new[] { issue, download })
        {
            Assert.Equal(("alice", Address), (entry.ActorUserName, entry.RemoteAddress));
            Assert.Equal(1, Json(entry.After).GetProperty("revision").GetInt32());
            Assert.Equal(Address, Json(entry.After).GetProperty("address").GetString());
        }
    }

    [Fact]
    public async Task Tokens_and_vendor_keys_are_recorded_without_their_secrets()
    {
        await using var portal = await PortalServices.StartAsync();
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice");
        var tokens = portal.Get<ApiTokenService>();

        var created = await tokens.CreatePersonalAsync(alice, "ci", 30);
        var revoked = await tokens.RevokePersonalAsync(alice, created.Value!.Token.Id);
        var key = await portal.Get<VendorKeyStore>().AddKeyAsync(admin);
        var refusedKey = await portal.Get<VendorKeyStore>().AddKeyAsync(alice);

        Assert.True(created.Succeeded && revoked.Succeeded && key.Succeeded);
        Assert.Equal(Failure.Forbidden, refusedKey.Failure);
        // "lpat_<id>_<secret>"; the base64url secret may itself contain '_'.
        var secret = created.Value.Secret.Split('_', 3)[2];
        var tokenEntries = await EntriesAsync(portal, "token.");
        Assert.Equal(["token.create", "token.revoke"], tokenEntries.Select(e => e.Action));
        Assert.All(tokenEntries, e => Assert.DoesNotContain(secret, (e.Before ?? "") + e.After, StringComparison.Ordinal));
        var keyEntry = Assert.Single(await EntriesAsync(portal, "vendorkey."));
        Assert.Equal(key.Value!.KeyId, keyEntry.TargetKey);
        Assert.DoesNotContain("PRIVATE", keyEntry.After!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Support_can_list_but_not_export_and_a_customer_can_do_neither()
    {
        await using var portal = await PortalServices.StartAsync();
        var support = await portal.CreateUserAsync("sam", PortalRole.Support);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync(Name, alice);
        var audit = portal.Get<AuditService>();

        var supportList = await audit.ListAsync(support, new AuditQuery { ActionPrefix = "instance." });
        using var supportCsv = new MemoryStream();
        var supportExport = await audit.ExportCsvAsync(support, new AuditQuery(), supportCsv);
        var customerList = await audit.ListAsync(alice, new AuditQuery());
        using var customerCsv = new MemoryStream();
        var customerExport = await audit.ExportCsvAsync(alice, new AuditQuery(), customerCsv);

        Assert.True(supportList.Succeeded);
        Assert.Equal(Name, Assert.Single(supportList.Value!.Items).TargetKey);
        Assert.Equal((Failure.Forbidden, Failure.Forbidden, Failure.Forbidden), (supportExport.Failure, customerList.Failure, customerExport.Failure));
        Assert.Equal((0L, 0L), (supportCsv.Length, customerCsv.Length));
    }

    [Fact]
    public async Task The_listing_filters_and_pages_newest_first()
    {
        await using var portal = await PortalServices.StartAsync();
        var alice = await portal.CreateUserAsync("alice");
        for (var i = 0; i < 5; i++)
        {
            portal.Time.Advance(TimeSpan.FromHours(1));
            await portal.CreateInstanceAsync($"alice-{i}", alice);
        }
        var admin = await portal.AdminAsync();
        var audit = portal.Get<AuditService>();
        var start = portal.Time.GetUtcNow().UtcDateTime;

        var page = await audit.ListAsync(admin, new AuditQuery(1, 2) { ActionPrefix = "instance.create", ActorUserName = PortalServices.AdminUserName });
        var window = await audit.ListAsync(admin, new AuditQuery { ActionPrefix = "instance.", From = start.AddHours(-2), To = start });
        var target = await audit.ListAsync(admin, new AuditQuery { TargetType = "instance", TargetKey = "alice-3" });

        Assert.Equal(5, page.Value!.TotalCount);
        Assert.Equal(["alice-2", "alice-1"], page.Value.Items.Select(e => e.TargetKey));
        Assert.Equal(["alice-3", "alice-2"], window.Value!.Items.Select(e => e.TargetKey));
        Assert.Equal("alice-3", Assert.Single(target.Value!.Items).TargetKey);
    }

    [Fact]
    public async Task The_csv_export_quotes_fields_and_neutralizes_formulas()
    {
        await using var portal = await PortalServices.StartAsync();
        var admin = await portal.AdminAsync();
        var audit = portal.Get<AuditService>();
        var attacker = new PortalActor("x", "=cmd|' /C calc'!A0", PortalRole.User) { RemoteAddress = "+1" };
        await audit.RecordAsync(attacker, "test.csv", "instance", "a,\"b\"\nc", new { Note = "@SUM(1)" }, null);

        using var output = new MemoryStream();
        var result = await audit.ExportCsvAsync(admin, new AuditQuery { ActionPrefix = "test." }, output);

        Assert.Equal(1, result.Value);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Equal(
            "at,actor,address,action,target_type,target,before,after\r\n" +
            "2026-11-28T09:00:00Z,'=cmd|' /C calc'!A0,'+1,test.csv,instance,\"a,\"\"b\"\"\nc\",\"{\"\"note\"\":\"\"@SUM(1)\"\"}\",\r\n",
            text);
        Assert.Equal("'-2", AuditService.Cell("-2"));
        Assert.Equal("\"'=1,2\"", AuditService.Cell("=1,2"));
        Assert.Equal("plain", AuditService.Cell("plain"));
    }
}
