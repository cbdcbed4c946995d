using System.Text;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Services;

/// <summary>
/// An administrator deletes an instance while someone else writes it (an edit, a license download, a host info upload).
/// The delete is guarded by the instance's version like every write, so the other write landing between its read and its
/// save used to escape as an exception (a 500). Now the delete reads again and deletes: it always succeeds, the other
/// write either landed before it or answers "not found", and nothing is left half-done.
/// </summary>
public sealed class DeleteRacingAWriteIsAnAnswer
{
    private const int Rounds = 30;

    public enum Writer { Update, StaleUpdate, Generate, Upload }

    public static TheoryData<DatabaseProvider, Writer> Cases()
    {
        var data = new TheoryData<DatabaseProvider, Writer>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var writer in Enum.GetValues<Writer>())
            {
                data.Add(provider, writer);
            }
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task The_delete_always_wins_and_the_other_write_lands_before_it_or_finds_nothing(DatabaseProvider provider, Writer writer)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var owner = await portal.CreateUserAsync("racer");
        var instances = portal.Get<InstanceService>();
        var hostKey = HostKey.Generate();

        for (var round = 0; round < Rounds; round++)
        {
            var name = $"race-{round:D2}";
            var instance = await portal.CreateInstanceAsync(name, owner);
            var hostInfo = Encoding.UTF8.GetBytes(HostInfoFile.Write(name, "52:54:00:12:34:56", "SN-RACE", hostKey, portal.Time.GetUtcNow()));
            Assert.True((await portal.Get<HostInfoIntake>().UploadAsync(owner, name, hostInfo)).Succeeded);
            var current = (await instances.GetAsync(admin, instance.Id))!;

            using var start = new ManualResetEventSlim();
            var delete = Task.Run(async () => { start.Wait(); return await instances.DeleteAsync(admin, [instance.Id]); });
            var write = Task.Run(async () =>
            {
                start.Wait();
                // An answer that succeeds or conflicts carries the row it is about (the API builds its body from it).
                return writer switch
                {
                    Writer.Update => Outcome(await instances.UpdateAsync(admin, instance.Id, current.ToQuotas() with { MaxDesktops = 77 }, current.Version)),
                    // Someone else's edit landed first: the answer is the stored values, or "not found" once deleted.
                    Writer.StaleUpdate => Outcome(await instances.UpdateAsync(admin, instance.Id, current.ToQuotas() with { MaxDesktops = 78 }, Guid.NewGuid())),
                    Writer.Generate => Outcome(await portal.Get<LicenseService>().GenerateAsync(owner, name, "192.0.2.7")),
                    _ => Outcome(await portal.Get<HostInfoIntake>().UploadAsync(owner, name, hostInfo)),
                };
            });
            start.Set();

            var deleted = Assert.Single(await delete);
            Assert.True(deleted.Succeeded, $"round {round}: the delete answered {deleted.ErrorCode}");
            var (written, hasValue) = await write;
            Assert.True(written is Failure.None or Failure.NotFound or Failure.Conflict, $"round {round}: the {writer} answered {written}");
            Assert.True(written is Failure.NotFound || hasValue, $"round {round}: the {writer} answered {written} without the row it is about");

            await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            Assert.False(await db.Instances.AnyAsync(i => i.Id == instance.Id), $"round {round}: the instance survived its delete");
            Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "instance.delete" && e.TargetKey == name));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Deleting_an_account_while_its_instance_is_edited_deletes_both(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var admin = await portal.AdminAsync();
        var instances = portal.Get<InstanceService>();

        for (var round = 0; round < Rounds; round++)
        {
            var owner = await portal.CreateUserAsync($"leaver-{round:D2}");
            var instance = await portal.CreateInstanceAsync($"leaver-{round:D2}", owner);

            using var start = new ManualResetEventSlim();
            var delete = Task.Run(async () => { start.Wait(); return await portal.Get<UserAdminService>().DeleteAsync(admin, [owner.UserId]); });
            var edit = Task.Run(async () =>
            {
                start.Wait();
                return (await instances.UpdateAsync(admin, instance.Id, instance.ToQuotas() with { MaxDesktops = 77 }, instance.Version)).Failure;
            });
            start.Set();

            var deleted = Assert.Single(await delete);
            Assert.True(deleted.Succeeded, $"round {round}: the account's delete answered {deleted.ErrorCode}");
            Assert.True(await edit is Failure.None or Failure.NotFound or Failure.Conflict, $"round {round}: the edit answered {await edit}");
            await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            Assert.False(await db.Instances.AnyAsync(i => i.Id == instance.Id), $"round {round}: the instance outlived its owner");
            Assert.False(await db.Users.AnyAsync(u => u.Id == owner.UserId), $"round {round}: the account survived its delete");
        }
    }

    private static (Failure Failure, bool HasValue) Outcome<T>(ServiceResult<T> result) => (result.Failure, result.Value is not null);
}
