using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>
/// The download path's hand-written read lists the instance's columns itself; a column added to the model and not to
/// that list would silently reach the license as its default. Every stored property must come back as Entity Framework
/// Core reads it.
/// </summary>
public sealed class PreparedDownloadReadMatchesTheModel
{
    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_download_read_returns_every_stored_property_of_the_instance(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var alice = await portal.CreateUserAsync("alice");
        await portal.CreateInstanceAsync("alice-01", alice);
        await UploadValidAsync(portal, alice, "alice-01", LicensePortal.Licensing.HostKey.Generate());
        var factory = portal.Get<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            // Values unlike every default, so a column the read leaves out shows.
            await db.Instances.ExecuteUpdateAsync(s => s.SetProperty(i => i.HostIdentifierTolerance, 3).SetProperty(i => i.LastSeenAgentVersion, "9.9.9")
                .SetProperty(i => i.LastSeenRevision, 7).SetProperty(i => i.PendingHostBy, "bob").SetProperty(i => i.StatusReason, "why"));
        }

        var read = await portal.Get<IDownloadStore>().ReadAsync("ALICE-01", DateTime.UnixEpoch, CancellationToken.None);
        await using var check = await factory.CreateDbContextAsync();
        var stored = await check.Instances.AsNoTracking().SingleAsync();

        Assert.NotNull(read);
        foreach (var property in check.Model.FindEntityType(typeof(Instance))!.GetProperties().Where(p => p.PropertyInfo is not null))
        {
            var expected = property.PropertyInfo!.GetValue(stored);
            var actual = property.PropertyInfo.GetValue(read.Instance);
            // The check-in and pending-host columns are not used to make a license; the rest must all be read.
            if (!property.Name.StartsWith("LastSeen", StringComparison.Ordinal) && !property.Name.StartsWith("PendingHost", StringComparison.Ordinal))
            {
                Assert.True(Equals(expected, actual), $"{property.Name}: stored {expected}, read {actual}");
            }
        }
    }
}
