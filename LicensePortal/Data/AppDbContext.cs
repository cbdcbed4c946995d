using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Data;

/// <summary>
/// The portal's database. Each provider has a subclass (<see cref="SqliteAppDbContext"/>, <see cref="PostgresAppDbContext"/>)
/// so that each keeps its own migrations; services only see this type.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : IdentityDbContext<PortalUser, PortalRole, string>(options), IDataProtectionKeyContext
{
    /// <summary>ASP.NET Core Data Protection keys (sign-in cookies, antiforgery), shared by every portal node.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Instance> Instances => Set<Instance>();

    public DbSet<LicenseRecord> Licenses => Set<LicenseRecord>();

    public DbSet<LicenseDownload> LicenseDownloads => Set<LicenseDownload>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<ActivationToken> ActivationTokens => Set<ActivationToken>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
    public DbSet<ExpiryReminder> ExpiryReminders => Set<ExpiryReminder>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<PortalUser>(user =>
        {
            user.Property(u => u.Organization).HasMaxLength(64);
            user.Property(u => u.OsAuthUrl).HasMaxLength(256);
            user.Property(u => u.PhoneNumber).HasMaxLength(16); // E.164: "+" and at most 15 digits (UserRules.PhoneMaxLength); the seed had 11
            // Listing pages sort and search on these.
            user.HasIndex(u => u.Organization);
            user.HasIndex(u => u.CreatedAt);
            user.Property(u => u.PreferredLanguage).HasMaxLength(16);
            user.HasMany(u => u.Instances).WithOne(i => i.Owner).HasForeignKey(i => i.OwnerId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<PortalRole>(role =>
        {
            role.Property(r => r.Description).HasMaxLength(256);
        });

        builder.Entity<Instance>(instance =>
        {
            instance.ToTable("Instances");
            instance.Property(i => i.Name).HasMaxLength(Instance.NameMaxLength);
            instance.Property(i => i.NormalizedName).HasMaxLength(Instance.NameMaxLength);
            instance.HasIndex(i => i.NormalizedName).IsUnique();
            instance.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
            instance.Property(i => i.StatusReason).HasMaxLength(512);
            instance.Property(i => i.Mac).HasMaxLength(256);
            instance.Property(i => i.SerialNumber).HasMaxLength(256);
            instance.Property(i => i.CheckCode).HasMaxLength(4096);
            instance.Property(i => i.PublicKey).HasMaxLength(4096);
            instance.Property(i => i.Version).IsConcurrencyToken();
            // One index per grid filter, each ending in the default sort so a filtered page is an index range scan.
            instance.HasIndex(i => new { i.Status, i.NormalizedName });
            instance.HasIndex(i => new { i.OwnerId, i.NormalizedName });
            instance.HasIndex(i => i.ExpiresOn);
            instance.Property(i => i.HostKeyFingerprint).HasMaxLength(64);
            instance.Property(i => i.HostIdentifiers).HasMaxLength(4096);
            instance.Property(i => i.PendingHostInfo).HasMaxLength(65536);
            instance.Property(i => i.PendingHostBy).HasMaxLength(256);
            instance.Property(i => i.LastSeenAgentVersion).HasMaxLength(64);
            // The support desk lists instances whose host has not checked in for N days.
            instance.HasIndex(i => i.LastSeenAt);
            // The background sweep finds DOWNLOADERROR instances whose cool-down ended.
            instance.HasIndex(i => new { i.Status, i.StatusChangedAt });
            // Status filter sorted by expiry (ties by id): an ordered index range, not a sort of every matching row
            // (docs/performance.md: 0.3-3 s before on 1M rows).
            instance.HasIndex(i => new { i.Status, i.ExpiresOn, i.Id });
            // The support desk and dashboard list the latest changes first, optionally of one state.
            instance.HasIndex(i => i.UpdatedAt);
            instance.HasIndex(i => new { i.Status, i.UpdatedAt });
        });

        builder.Entity<LicenseRecord>(license =>
        {
            license.ToTable("Licenses");
            license.HasOne(l => l.Instance).WithMany(i => i.Licenses).HasForeignKey(l => l.InstanceId).OnDelete(DeleteBehavior.Cascade);
            license.HasIndex(l => new { l.InstanceId, l.Revision }).IsUnique();
            license.Property(l => l.VendorKeyId).HasMaxLength(16);
            license.Property(l => l.HostKeyFingerprint).HasMaxLength(64);
            license.Property(l => l.ContentKey).HasMaxLength(1024);
            license.Property(l => l.FileText).HasMaxLength(65536);
            license.Property(l => l.IssuedByUserName).HasMaxLength(256);
        });

        builder.Entity<LicenseDownload>(download =>
        {
            download.ToTable("LicenseDownloads");
            download.HasOne(d => d.LicenseRecord).WithMany(l => l.Downloads).HasForeignKey(d => d.LicenseRecordId).OnDelete(DeleteBehavior.Cascade);
            download.HasIndex(d => new { d.InstanceId, d.At });
            download.Property(d => d.UserName).HasMaxLength(256);
            download.Property(d => d.RemoteAddress).HasMaxLength(64);
        });

        builder.Entity<ApiToken>(token =>
        {
            token.ToTable("ApiTokens");
            token.Property(t => t.TokenId).HasMaxLength(32);
            token.HasIndex(t => t.TokenId).IsUnique();
            token.Property(t => t.Name).HasMaxLength(ApiToken.NameMaxLength);
            token.Property(t => t.SecretHash).HasMaxLength(32);
            token.HasOne(t => t.Owner).WithMany().HasForeignKey(t => t.OwnerId).OnDelete(DeleteBehavior.Cascade);
            token.HasIndex(t => new { t.OwnerId, t.CreatedAt });
        });

        builder.Entity<ActivationToken>(token =>
        {
            token.ToTable("ActivationTokens");
            token.Property(t => t.TokenId).HasMaxLength(32);
            token.HasIndex(t => t.TokenId).IsUnique();
            token.Property(t => t.SecretHash).HasMaxLength(32);
            token.Property(t => t.CreatedByUserName).HasMaxLength(256);
            token.HasOne(t => t.Instance).WithMany().HasForeignKey(t => t.InstanceId).OnDelete(DeleteBehavior.Cascade);
            token.HasIndex(t => new { t.InstanceId, t.CreatedAt });
        });

        builder.Entity<AuditEntry>(entry =>
        {
            entry.ToTable("AuditEntries");
            entry.Property(e => e.ActorUserId).HasMaxLength(450);
            entry.Property(e => e.ActorUserName).HasMaxLength(AuditEntry.UserNameMaxLength);
            entry.Property(e => e.RemoteAddress).HasMaxLength(AuditEntry.AddressMaxLength);
            entry.Property(e => e.Action).HasMaxLength(AuditEntry.ActionMaxLength);
            entry.Property(e => e.TargetType).HasMaxLength(AuditEntry.TargetTypeMaxLength);
            entry.Property(e => e.TargetKey).HasMaxLength(AuditEntry.TargetKeyMaxLength);
            // Newest first, whole trail or one target's or one actor's history: each an index range read backwards.
            entry.HasIndex(e => e.At);
            entry.HasIndex(e => new { e.TargetType, e.TargetKey, e.At });
            entry.HasIndex(e => new { e.ActorUserName, e.At });
            // One action's entries newest first, and one target's without its type (the page's target box alone).
            entry.HasIndex(e => new { e.Action, e.At });
            entry.HasIndex(e => new { e.TargetKey, e.At });
        });

        WebhookModel.Configure(builder);
        builder.Entity<ExpiryReminder>(reminder =>
        {
            reminder.ToTable("ExpiryReminders");
            reminder.HasOne(r => r.Instance).WithMany().HasForeignKey(r => r.InstanceId).OnDelete(DeleteBehavior.Cascade);
            // The claim: one row per instance, expiry date and step, whichever node inserts it first.
            reminder.HasIndex(r => new { r.InstanceId, r.ExpiresOn, r.DaysBefore }).IsUnique();
            // The sender's queue: claimed, not sent, due for an attempt.
            reminder.Property(r => r.Outcome).HasConversion<string>().HasMaxLength(16);
            reminder.HasIndex(r => new { r.Outcome, r.NextAttemptAt });
            reminder.Property(r => r.Recipients).HasMaxLength(1024);
            reminder.Property(r => r.Language).HasMaxLength(16);
            reminder.Property(r => r.LastError).HasMaxLength(512);
            reminder.Property(r => r.LeasedBy).HasMaxLength(64);
        });
    }
}

/// <summary>The SQLite flavour of <see cref="AppDbContext"/>; owns the migrations under Data/Migrations/Sqlite.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options);

/// <summary>The PostgreSQL flavour of <see cref="AppDbContext"/>; owns the migrations under Data/Migrations/Postgres.</summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Byte-order collation on the columns searched by prefix ranges: locale collations ignore punctuation
        // and would make "name >= 'A-' AND name < 'A-\uffff'" miss rows. SQLite compares bytes already.
        builder.Entity<Instance>().Property(i => i.NormalizedName).UseCollation("C");
        builder.Entity<PortalUser>().Property(u => u.NormalizedUserName).UseCollation("C");
        builder.Entity<PortalUser>().Property(u => u.NormalizedEmail).UseCollation("C");
        builder.Entity<PortalUser>().Property(u => u.Organization).UseCollation("C");
    }
}
