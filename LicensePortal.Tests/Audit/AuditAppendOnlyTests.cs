using System.Data.Common;
using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Audit;

/// <summary>
/// The database itself keeps the audit trail append-only (the AuditAppendOnly migration's triggers): SQL that updates,
/// deletes or truncates audit rows fails and changes nothing, whoever sends it, while the portal's own deletes still work.
/// </summary>
public sealed class AuditAppendOnlyTests
{
    private static async Task<List<AuditEntry>> AllAsync(PortalServices portal)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>Every field of every row, to compare whole trails.</summary>
    private static List<string> Rows(IEnumerable<AuditEntry> entries) =>
        entries.Select(e => string.Join('|', e.Id, e.At.Ticks, e.ActorUserId, e.ActorUserName, e.RemoteAddress, e.Action, e.TargetType, e.TargetKey, e.Before, e.After)).ToList();

    private static async Task<DbException> RefusedAsync(PortalServices portal, Func<AppDbContext, Task> write)
    {
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var refused = await Assert.ThrowsAnyAsync<DbException>(() => write(db));
        Assert.Contains("audit trail is append-only", refused.Message, StringComparison.Ordinal);
        return refused;
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Raw_updates_and_deletes_of_audit_rows_fail_and_leave_every_row_as_it_was(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("alice-01", alice);
        var before = Rows(await AllAsync(portal));
        Assert.True(before.Count >= 2);

        await RefusedAsync(portal, db => db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEntries" SET "ActorUserName" = 'mallory'"""));
        await RefusedAsync(portal, db => db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEntries" SET "After" = NULL WHERE "Action" = 'instance.create'"""));
        await RefusedAsync(portal, db => db.Database.ExecuteSqlRawAsync("""DELETE FROM "AuditEntries" WHERE "Action" = 'user.create'"""));
        await RefusedAsync(portal, db => db.Database.ExecuteSqlRawAsync("""DELETE FROM "AuditEntries" """));
        // The same through EF Core's own bulk operations.
        await RefusedAsync(portal, db => db.AuditEntries.ExecuteUpdateAsync(s => s.SetProperty(e => e.RemoteAddress, "10.0.0.1")));
        await RefusedAsync(portal, db => db.AuditEntries.Where(e => e.TargetKey == "alice-01").ExecuteDeleteAsync());
        if (provider == DatabaseProvider.Postgres)
        {
            await RefusedAsync(portal, db => db.Database.ExecuteSqlRawAsync("""TRUNCATE "AuditEntries" """));
        }

        Assert.Equal(before, Rows(await AllAsync(portal)));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_tracked_change_to_an_audit_entry_is_refused_by_the_database_and_new_entries_still_append(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        var before = Rows(await AllAsync(portal));

        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var entry = await db.AuditEntries.OrderBy(e => e.Id).LastAsync();
            entry.ActorUserName = "mallory";
            var refused = await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Contains("audit trail is append-only", refused.InnerException?.Message ?? "", StringComparison.Ordinal);
        }
        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.AuditEntries.Remove(await db.AuditEntries.OrderBy(e => e.Id).FirstAsync());
            await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        await portal.CreateInstanceAsync("alice-01", alice);

        var after = await AllAsync(portal);
        Assert.Equal(before, Rows(after.Take(before.Count)));
        Assert.Equal("instance.create", after[^1].Action);
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deleting_accounts_and_instances_still_works_and_keeps_their_history(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var bob = await portal.CreateUserAsync("bob");
        var kept = await portal.CreateInstanceAsync("bob-01", bob);
        await portal.CreateInstanceAsync("bob-02", bob);
        var before = Rows(await AllAsync(portal));

        var instanceDeleted = Assert.Single(await portal.Get<InstanceService>().DeleteAsync(admin, [kept.Id]));
        var userDeleted = Assert.Single(await portal.Get<UserAdminService>().DeleteAsync(admin, [bob.UserId]));

        Assert.True(instanceDeleted.Succeeded && userDeleted.Succeeded);
        var after = await AllAsync(portal);
        Assert.Equal(before, Rows(after.Take(before.Count)));
        // The account's instances go the way every instance goes (their entries first), then the account.
        Assert.Equal(["instance.delete", "instance.delete", "user.delete"], after.Skip(before.Count).Select(e => e.Action));
        Assert.Contains(after, e => e.Action == "user.create" && e.TargetKey == "bob");
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Users.AnyAsync(u => u.Id == bob.UserId));
        Assert.False(await db.Instances.AnyAsync(i => i.OwnerId == bob.UserId));
    }
}
