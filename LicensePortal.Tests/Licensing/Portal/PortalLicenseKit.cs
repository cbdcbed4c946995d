using System.Text;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Licensing.Portal;

/// <summary>Everything an instance's license state consists of, read straight from the database, for before/after comparisons.</summary>
public sealed record InstanceSnapshot(
    InstanceStatus Status,
    string StatusReason,
    Guid Version,
    DateTime UpdatedAt,
    DateTime StatusChangedAt,
    string Mac,
    string SerialNumber,
    string CheckCode,
    string PublicKey,
    string HostKeyFingerprint,
    DateTime? HostInfoUploadedAt,
    int DownloadCount,
    int LicenseRevisions,
    int DownloadRows);

/// <summary>Helpers shared by the portal-side license tests: real host keys, real host info files, database snapshots.</summary>
public static class PortalLicenseKit
{
    public const string Mac = "52:54:00:ab:cd:ef";
    public const string Serial = "VMware-42 1a 2b 3c";
    public const string Address = "203.0.113.7";

    /// <summary>A host info file made by the real writer with a real host key.</summary>
    public static byte[] HostInfo(string instance, HostKey key, string mac = Mac, string serial = Serial, DateTimeOffset? created = null) =>
        Encoding.UTF8.GetBytes(HostInfoFile.Write(instance, mac, serial, key, created ?? new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero)));

    public static Task<InstanceSnapshot> SnapshotAsync(PortalServices portal, string name) => SnapshotAsync(portal.Services, name);

    public static async Task<InstanceSnapshot> SnapshotAsync(IServiceProvider services, string name)
    {
        await using var scope = services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var normalized = InstanceRules.Normalize(name);
        var i = await db.Instances.AsNoTracking().SingleAsync(x => x.NormalizedName == normalized);
        var revisions = await db.Licenses.CountAsync(l => l.InstanceId == i.Id);
        var downloads = await db.LicenseDownloads.CountAsync(d => d.InstanceId == i.Id);
        return new InstanceSnapshot(i.Status, i.StatusReason, i.Version, i.UpdatedAt, i.StatusChangedAt, i.Mac, i.SerialNumber, i.CheckCode, i.PublicKey,
            i.HostKeyFingerprint, i.HostInfoUploadedAt, i.DownloadCount, revisions, downloads);
    }

    /// <summary>Uploads a valid host info file as <paramref name="actor"/> and insists it was accepted.</summary>
    public static async Task UploadValidAsync(PortalServices portal, PortalActor actor, string instance, HostKey key)
    {
        var result = await portal.Get<HostInfoIntake>().UploadAsync(actor, instance, HostInfo(instance, key));
        Assert.True(result.Succeeded && result.Value!.Accepted, $"host info upload failed: {result.Failure} {result.Value?.ReasonCode}");
    }

    /// <summary>Changes an instance's quotas or expiry through the real InstanceService, as an administrator.</summary>
    public static async Task UpdateAsync(PortalServices portal, string instance, Func<InstanceQuotas, InstanceQuotas> change)
    {
        var admin = await portal.AdminAsync();
        var row = await portal.Get<InstanceService>().FindByNameAsync(admin, instance) ?? throw new InvalidOperationException($"no instance {instance}");
        var result = await portal.Get<InstanceService>().UpdateAsync(admin, row.Id, change(row.ToQuotas()), row.Version);
        Assert.True(result.Succeeded, $"update failed: {string.Join(", ", result.Errors.Select(e => e.Code))}");
    }

    /// <summary>Decrypts and verifies a license the way the host does, with the portal's vendor public keys.</summary>
    public static LicenseVerificationResult Verify(PortalServices portal, string licenseText, HostKey key, string mac = Mac, string serial = Serial) =>
        LicenseVerifier.Verify(licenseText, key, portal.Get<VendorKeyStore>().Root, new HostIdentity(mac, serial), portal.Time.GetUtcNow());

    /// <summary>The error codes of a result, for assertion messages.</summary>
    public static string Why<T>(ServiceResult<T> result) => string.Join(", ", result.Errors.Select(e => e.Code));

    public static string ErrorCode<T>(ServiceResult<T> result) => Assert.Single(result.Errors).Code;
}
