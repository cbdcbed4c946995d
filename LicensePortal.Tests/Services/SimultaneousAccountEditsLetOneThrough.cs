using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Services;

/// <summary>
/// Administrators who read an account at the same version and save at the same moment: exactly one change is stored,
/// whole (fields, role, flag, its one audit entry); every other gets a conflict with the stored values and leaves no trace.
/// </summary>
public sealed class SimultaneousAccountEditsLetOneThrough
{
    private const int Editors = 8;

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task One_of_several_simultaneous_edits_from_the_same_read_is_stored_whole(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var service = portal.Get<UserAdminService>();
        var carol = await portal.CreateUserAsync("carol");
        var read = (await service.GetAsync(admin, carol.UserId))!;

        // Each editor changes the organization, the role and (every other one) the active flag differently.
        var inputs = Enumerable.Range(0, Editors).Select(i => UserAdminService.ToInput(read) with
        {
            Organization = $"Org-{i}",
            Role = i % 2 == 0 ? PortalRole.Support : PortalRole.Administrator,
            IsActive = i % 2 == 0,
        }).ToList();
        using var start = new ManualResetEventSlim();
        var saves = inputs.Select(input => Task.Run(async () =>
        {
            start.Wait();
            return await service.UpdateAsync(admin, carol.UserId, input, read.Version);
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(saves);

        var winner = Assert.Single(results, r => r.Succeeded).Value!;
        var stored = (await service.GetAsync(admin, carol.UserId))!;
        Assert.Equal(winner, stored);
        Assert.NotEqual(read.Version, stored.Version);
        var input = inputs.Single(i => i.Organization == stored.Organization);
        Assert.Equal((input.Role, input.IsActive), (stored.Role, stored.IsActive));
        foreach (var refused in results.Where(r => !r.Succeeded))
        {
            Assert.Equal(Failure.Conflict, refused.Failure);
            Assert.Equal(stored, refused.Value);
        }

        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        Assert.Equal([input.Role], await users.GetRolesAsync((await users.FindByIdAsync(carol.UserId))!));
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "user.update" && e.TargetKey == "carol"));
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_save_after_someone_elses_is_refused_with_the_stored_values(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var admin2 = await portal.CreateUserAsync("admin2", PortalRole.Administrator);
        var service = portal.Get<UserAdminService>();
        var carol = await portal.CreateUserAsync("carol");
        var read = (await service.GetAsync(admin, carol.UserId))!;

        var first = await service.UpdateAsync(admin, carol.UserId, UserAdminService.ToInput(read) with { Organization = "Globex" }, read.Version);
        var second = await service.UpdateAsync(admin2, carol.UserId, UserAdminService.ToInput(read) with { Organization = "Initech", Role = PortalRole.Support }, read.Version);
        var deactivate = await service.SetActiveAsync(admin2, carol.UserId, active: false, expectedVersion: read.Version);

        Assert.True(first.Succeeded);
        Assert.Equal(Failure.Conflict, second.Failure);
        Assert.Equal(Failure.Conflict, deactivate.Failure);
        var stored = (await service.GetAsync(admin, carol.UserId))!;
        Assert.Equal(first.Value, stored);
        Assert.Equal(stored, second.Value);
        Assert.Equal(stored, deactivate.Value);
        Assert.Equal((PortalRole.User, true), (stored.Role, stored.IsActive));
    }
}
