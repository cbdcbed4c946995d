using System.Globalization;
using System.Text;
using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Commands;

/// <summary>What <c>import-legacy</c> was asked to do.</summary>
public sealed record ImportLegacyOptions(string Provider, string Source, bool DryRun, TimeZoneInfo SourceTimeZone, string? PasswordsFile);

/// <summary>What an import did (or, on a dry run, would do).</summary>
public sealed record ImportLegacyResult(int AccountsAdded, int AccountsUpdated, int AccountsUnchanged, int InstancesAdded, int InstancesUpdated, int InstancesUnchanged,
    IReadOnlyList<(string Kind, string Name, string Reason)> Skipped, IReadOnlyList<string> GeneratedPasswordAccounts, int PlainPasswords);

/// <summary>
/// <c>import-legacy</c>: the first-generation system's roles, accounts and instances into the portal. It plans first
/// (every row checked by the portal's own rules against the old data and the portal's, so a conflict skips its row whole
/// and a dry run reports exactly what a run would do), then writes the plan in batches, one transaction each, every row
/// with its audit entry by (system). Rows are matched by user name and instance name ignoring case: a second run updates
/// what changed and adds what is new.
/// </summary>
public sealed class LegacyImporter(IServiceScopeFactory scopes, IStringLocalizer<SharedResource> text, TimeProvider time)
{
    /// <summary>Rows per transaction: small enough to keep locks short on a live portal.</summary>
    public const int BatchSize = 200;

    public const string ImportName = "import-legacy";

    private sealed record AccountPlan(LegacyUser Old, UserInput Input, string NormalizedName, string? Hash, PortalUser? Existing, string? ExistingRole, string? GeneratedPassword);

    private sealed record InstancePlan(LegacyInstance Old, string OwnerNormalizedName, InstanceQuotas Quotas, Instance? Existing);

    public async Task<ImportLegacyResult> RunAsync(ImportLegacyOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var legacy = await LegacySource.ReadAsync(options.Provider, options.Source, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var skipped = new List<(string Kind, string Name, string Reason)>();

        await using var scope = scopes.CreateAsyncScope();
        var normalizer = scope.ServiceProvider.GetRequiredService<ILookupNormalizer>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var portalUsers = await db.Users.AsNoTracking().ToListAsync(cancellationToken);
        var roleNames = await db.UserRoles.Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var roleOf = roleNames.GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => PortalRole.Effective(g.Select(r => r.Name)));
        var byName = portalUsers.ToDictionary(u => u.NormalizedUserName!, StringComparer.Ordinal);
        var portalInstances = await db.Instances.AsNoTracking().ToDictionaryAsync(i => i.NormalizedName, cancellationToken);
        var ownerNames = portalUsers.ToDictionary(u => u.Id, u => (Normalized: u.NormalizedUserName!, Shown: u.UserName!));

        var accounts = PlanAccounts(legacy, normalizer, portalUsers, byName, roleOf, skipped);
        var instances = PlanInstances(legacy, options.SourceTimeZone, now, accounts, portalInstances, ownerNames, skipped);

        var accountChanges = accounts.Values.Where(a => a.Existing is null || AccountChanged(a)).ToList();
        var instanceChanges = instances.Where(i => i.Existing is null || InstanceChanged(i, now, options.SourceTimeZone)).ToList();
        var generated = accounts.Values.Where(a => a.GeneratedPassword is not null).ToList();
        string? passwordsFile = null;
        if (!options.DryRun)
        {
            if (generated.Count > 0)
            {
                // Written before any account exists, so no account is ever created whose password nobody has.
                passwordsFile = Path.GetFullPath(options.PasswordsFile ?? $"import-legacy-passwords-{now:yyyyMMdd-HHmmss}.txt");
                PrivateFile.Write(passwordsFile, Encoding.UTF8.GetBytes(string.Concat(generated.Select(a => $"{a.Input.UserName}\t{a.GeneratedPassword}\n"))));
            }
            foreach (var batch in accountChanges.Chunk(BatchSize))
            {
                await WriteAccountsAsync(batch, options.Provider, options.SourceTimeZone, now, cancellationToken);
            }
            var ids = await db.Users.AsNoTracking().Select(u => new { u.Id, u.NormalizedUserName }).ToDictionaryAsync(u => u.NormalizedUserName!, u => u.Id, cancellationToken);
            foreach (var batch in instanceChanges.Chunk(BatchSize))
            {
                await WriteInstancesAsync(batch, ids, options, now, cancellationToken);
            }
        }

        var result = new ImportLegacyResult(
            accountChanges.Count(a => a.Existing is null), accountChanges.Count(a => a.Existing is not null), accounts.Count - accountChanges.Count,
            instanceChanges.Count(i => i.Existing is null), instanceChanges.Count(i => i.Existing is not null), instances.Count - instanceChanges.Count,
            skipped, generated.Select(a => a.Input.UserName).ToList(), legacy.PlainPasswords);
        await ReportAsync(output, options, result, passwordsFile, instances.Any(i => i.Existing is null && LegacyMapping.HadHost(i.Old)));
        return result;
    }

    private Dictionary<long, AccountPlan> PlanAccounts(LegacyData legacy, ILookupNormalizer normalizer, List<PortalUser> portalUsers,
        Dictionary<string, PortalUser> byName, Dictionary<string, string> roleOf, List<(string, string, string)> skipped)
    {
        var roles = legacy.Roles.ToDictionary(r => r.Id);
        var nameCounts = legacy.Users.GroupBy(u => normalizer.NormalizeName(u.UserName.Trim())).ToDictionary(g => g.Key, g => g.Count());
        var emailCounts = legacy.Users.Where(u => !string.IsNullOrWhiteSpace(u.Email))
            .GroupBy(u => normalizer.NormalizeEmail(u.Email!.Trim())).ToDictionary(g => g.Key, g => g.Count());
        var portalEmails = portalUsers.Where(u => u.NormalizedEmail is not null).GroupBy(u => u.NormalizedEmail!).ToDictionary(g => g.Key, g => g.First());
        var plans = new Dictionary<long, AccountPlan>();
        var kind = text["Import.Kind.Account"].Value;
        foreach (var old in legacy.Users)
        {
            var normalized = normalizer.NormalizeName(old.UserName.Trim());
            var role = LegacyMapping.Role(old.RoleId is { } roleId ? roles.GetValueOrDefault(roleId) : null);
            var input = LegacyMapping.Account(old, role ?? PortalRole.User);
            var errors = UserRules.Validate(input).ToList();
            var email = input.Email is null ? null : normalizer.NormalizeEmail(input.Email);
            byName.TryGetValue(normalized, out var existing);
            string? reason =
                nameCounts[normalized] > 1 ? T("Import.DuplicateUserName")
                : errors.Count > 0 ? Describe(errors, "User.")
                : role is null ? T("Import.NoRole")
                : email is not null && emailCounts[email] > 1 ? T("Import.EmailUsedTwice", input.Email!)
                : email is not null && portalEmails.TryGetValue(email, out var holder) && holder.NormalizedUserName != normalized ? T("Import.EmailTaken", input.Email!, holder.UserName!)
                : null;
            if (reason is null && existing is not null && roleOf.GetValueOrDefault(existing.Id) == PortalRole.Administrator && existing.IsActive
                && (role != PortalRole.Administrator || !input.IsActive)
                && !portalUsers.Any(u => u.Id != existing.Id && u.IsActive && roleOf.GetValueOrDefault(u.Id) == PortalRole.Administrator))
            {
                reason = T("Error.LastAdministrator");
            }
            if (reason is not null)
            {
                skipped.Add((kind, old.UserName, reason));
                continue;
            }
            var hash = LegacyMapping.UsableHash(old.PasswordHash);
            var generated = existing is null && hash is null ? UserAdminService.GeneratePassword() : null;
            plans[old.Id] = new AccountPlan(old, input, normalized, hash, existing, existing is null ? null : roleOf.GetValueOrDefault(existing.Id, PortalRole.User), generated);
        }
        return plans;
    }

    private List<InstancePlan> PlanInstances(LegacyData legacy, TimeZoneInfo zone, DateTime now, Dictionary<long, AccountPlan> accounts,
        Dictionary<string, Instance> portalInstances, Dictionary<string, (string Normalized, string Shown)> ownerNames, List<(string, string, string)> skipped)
    {
        var oldUsers = legacy.Users.ToDictionary(u => u.Id);
        var nameCounts = legacy.Instances.GroupBy(i => InstanceRules.Normalize(i.Name)).ToDictionary(g => g.Key, g => g.Count());
        var kind = T("Import.Kind.Instance");
        var plans = new List<InstancePlan>();
        foreach (var old in legacy.Instances)
        {
            var normalized = InstanceRules.Normalize(old.Name);
            var nameErrors = InstanceRules.ValidateName(old.Name).ToList();
            var quotas = LegacyMapping.Quotas(old, LegacyMapping.ExpiresOn(old.ExpiredTime, zone, now));
            var quotaErrors = quotas is null ? [] : InstanceRules.ValidateQuotas(quotas, DateOnly.FromDateTime(now), isNew: false).ToList();
            portalInstances.TryGetValue(normalized, out var existing);
            AccountPlan? owner = old.UserId is { } userId ? accounts.GetValueOrDefault(userId) : null;
            string? reason =
                nameCounts[normalized] > 1 ? T("Import.DuplicateInstanceName")
                : nameErrors.Count > 0 ? Describe(nameErrors, "Instance.")
                : quotas is null ? T("Import.QuotaTooLarge")
                : quotaErrors.Count > 0 ? Describe(quotaErrors, "Instance.")
                : old.UserId is null || !oldUsers.TryGetValue(old.UserId.Value, out var oldOwner) ? T("Import.NoOwner", old.UserId?.ToString(CultureInfo.InvariantCulture) ?? "NULL")
                : owner is null ? T("Import.OwnerSkipped", oldOwner.UserName)
                : existing is not null && ownerNames.GetValueOrDefault(existing.OwnerId).Normalized != owner.NormalizedName ? T("Import.OtherOwner", ownerNames.GetValueOrDefault(existing.OwnerId).Shown ?? existing.OwnerId)
                : null;
            if (reason is not null)
            {
                skipped.Add((kind, old.Name, reason));
                continue;
            }
            plans.Add(new InstancePlan(old, owner!.NormalizedName, quotas!, existing));
        }
        return plans;
    }

    private string T(string key, params object[] arguments) => text[key, arguments].Value;

    private string Describe(IEnumerable<FieldError> errors, string fieldPrefix) => string.Join("; ", errors.Select(e =>
    {
        var field = text[fieldPrefix + e.Field];
        var message = text[e.Code, e.Arguments].Value;
        return field.ResourceNotFound ? message : $"{field.Value}: {message}";
    }));

    private static bool AccountChanged(AccountPlan a)
    {
        var u = a.Existing!;
        return !string.Equals(u.Email, a.Input.Email, StringComparison.Ordinal)
            || !string.Equals(u.PhoneNumber, a.Input.Phone, StringComparison.Ordinal)
            || u.Organization != (a.Input.Organization ?? "")
            || u.OsAuthUrl != (a.Input.OsAuthUrl ?? "")
            || u.IsActive != a.Input.IsActive
            || u.EmailConfirmed != a.Input.Confirmed
            || a.ExistingRole != a.Input.Role
            || HashChanged(a);
    }

    /// <summary>
    /// Only a hash the portal still holds from the old system is replaced: once the account signed in here (Identity's
    /// hash) or got a generated password, the old one no longer counts.
    /// </summary>
    private static bool HashChanged(AccountPlan a) =>
        a.Hash is not null && WerkzeugPasswordHash.IsLegacy(a.Existing!.PasswordHash) && a.Existing.PasswordHash != a.Hash;

    private static bool InstanceChanged(InstancePlan p, DateTime now, TimeZoneInfo zone)
    {
        var i = p.Existing!;
        var q = p.Quotas;
        var (mac, serial) = LegacyMapping.LastKnownHost(p.Old);
        return i.MaxDesktops != q.MaxDesktops || i.MaxImages != q.MaxImages || i.MaxUsers != q.MaxUsers || i.MaxVcpus != q.MaxVcpus
            || i.MaxVmemGib != q.MaxVmemGib || i.MaxVdiskGib != q.MaxVdiskGib || i.ExpiresOn != q.ExpiresOn
            || i.ImportedDownloadCount != LegacyMapping.ImportedDownloads(p.Old)
            || (i.PublicKey.Length == 0 && (i.Mac != mac || i.SerialNumber != serial));
    }

    private async Task WriteAccountsAsync(AccountPlan[] batch, string provider, TimeZoneInfo zone, DateTime now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // The batch commits whole or not at all: Identity's own saves run inside it.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var a in batch)
        {
            var created = a.Old.CreatedAt is { } c ? LegacyMapping.ToUtc(c, zone) : now;
            if (a.Existing is null)
            {
                var user = new PortalUser
                {
                    CreatedAt = created,
                    UpdatedAt = now,
                    MustChangePassword = a.GeneratedPassword is not null,
                    PasswordHash = a.Hash, // Werkzeug's hash verbatim: PortalPasswordHasher verifies it and re-hashes at the first sign-in
                };
                Copy(a.Input, user);
                Check(a.GeneratedPassword is null ? await users.CreateAsync(user) : await users.CreateAsync(user, a.GeneratedPassword), a);
                Check(await users.AddToRoleAsync(user, a.Input.Role), a);
                AuditLog.Add(db, PortalActor.System, now, AuditLog.UserImport, "user", user.UserName!, null, AuditLog.ImportedUser(user, a.Input.Role, ImportName, provider, a.Old.Id));
            }
            else
            {
                var user = await users.FindByIdAsync(a.Existing.Id) ?? throw new InvalidOperationException($"Account {a.Input.UserName} vanished during the import.");
                var before = AuditLog.ImportedUser(user, a.ExistingRole ?? PortalRole.User, ImportName, provider, a.Old.Id);
                var replaceHash = HashChanged(a with { Existing = user });
                Copy(a.Input, user);
                user.UserName = a.Existing.UserName; // matched ignoring case: the portal's spelling stays
                user.UpdatedAt = now;
                if (replaceHash)
                {
                    user.PasswordHash = a.Hash;
                }
                Check(await users.UpdateAsync(user), a);
                if (replaceHash)
                {
                    Check(await users.UpdateSecurityStampAsync(user), a);
                }
                if (a.ExistingRole != a.Input.Role)
                {
                    Check(await users.RemoveFromRoleAsync(user, a.ExistingRole ?? PortalRole.User), a);
                    Check(await users.AddToRoleAsync(user, a.Input.Role), a);
                }
                AuditLog.Add(db, PortalActor.System, now, AuditLog.UserImport, "user", user.UserName!, before, AuditLog.ImportedUser(user, a.Input.Role, ImportName, provider, a.Old.Id));
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static void Copy(UserInput input, PortalUser user)
    {
        user.UserName = input.UserName;
        user.Email = input.Email;
        user.PhoneNumber = input.Phone;
        user.Organization = input.Organization ?? "";
        user.OsAuthUrl = input.OsAuthUrl ?? "";
        user.IsActive = input.IsActive;
        user.EmailConfirmed = input.Confirmed;
    }

    private static void Check(IdentityResult result, AccountPlan a)
    {
        if (!result.Succeeded)
        {
            // Planned as valid, refused now (changed meanwhile): the batch's transaction is rolled back whole.
            throw new InvalidOperationException($"Account {a.Input.UserName}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    private async Task WriteInstancesAsync(InstancePlan[] batch, Dictionary<string, string> ids, ImportLegacyOptions options, DateTime now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var p in batch)
        {
            var q = p.Quotas;
            var (mac, serial) = LegacyMapping.LastKnownHost(p.Old);
            Instance instance;
            object? before = null;
            if (p.Existing is null)
            {
                var created = p.Old.CreatedAt is { } c ? LegacyMapping.ToUtc(c, options.SourceTimeZone) : now;
                instance = new Instance
                {
                    Name = p.Old.Name.Trim(),
                    NormalizedName = InstanceRules.Normalize(p.Old.Name),
                    OwnerId = ids[p.OwnerNormalizedName],
                    CreatedAt = created,
                };
                InstanceLifecycle.Imported(q.ExpiresOn, LegacyMapping.HadHost(p.Old), now).ApplyTo(instance);
                db.Instances.Add(instance);
            }
            else
            {
                instance = await db.Instances.SingleAsync(i => i.Id == p.Existing.Id, cancellationToken);
                before = AuditLog.ImportedInstance(instance, ImportName, options.Provider, p.Old.Id);
                if (instance.ExpiresOn != q.ExpiresOn)
                {
                    InstanceLifecycle.ExpiryChanged(InstanceState.Of(instance), q.ExpiresOn, now).ApplyTo(instance);
                }
            }
            (instance.MaxDesktops, instance.MaxImages, instance.MaxUsers, instance.MaxVcpus, instance.MaxVmemGib, instance.MaxVdiskGib, instance.ExpiresOn) =
                (q.MaxDesktops, q.MaxImages, q.MaxUsers, q.MaxVcpus, q.MaxVmemGib, q.MaxVdiskGib, q.ExpiresOn);
            instance.ImportedDownloadCount = LegacyMapping.ImportedDownloads(p.Old);
            if (instance.PublicKey.Length == 0)
            {
                // The last known host, until the new agent's host info replaces it.
                (instance.Mac, instance.SerialNumber) = (mac, serial);
            }
            instance.UpdatedAt = now;
            instance.Version = Guid.NewGuid();
            AuditLog.Add(db, PortalActor.System, now, AuditLog.InstanceImport, "instance", instance.Name, before, AuditLog.ImportedInstance(instance, ImportName, options.Provider, p.Old.Id));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task ReportAsync(TextWriter output, ImportLegacyOptions options, ImportLegacyResult r, string? passwordsFile, bool hostsToUpload)
    {
        var lines = new List<string>();
        if (options.DryRun)
        {
            lines.Add(text["Import.Report.DryRun"]);
        }
        lines.Add(text["Import.Report.Accounts", r.AccountsAdded, r.AccountsUpdated, r.AccountsUnchanged, r.Skipped.Count(s => s.Kind == text["Import.Kind.Account"])]);
        lines.Add(text["Import.Report.Instances", r.InstancesAdded, r.InstancesUpdated, r.InstancesUnchanged, r.Skipped.Count(s => s.Kind == text["Import.Kind.Instance"])]);
        lines.AddRange(r.Skipped.Select(s => text["Import.Report.Skipped", s.Kind, s.Name, s.Reason].Value));
        if (r.GeneratedPasswordAccounts.Count > 0)
        {
            lines.Add(text["Import.Report.Generated", r.GeneratedPasswordAccounts.Count, string.Join(", ", r.GeneratedPasswordAccounts)]);
            if (passwordsFile is not null)
            {
                lines.Add(text["Import.Report.PasswordsFile", passwordsFile]);
            }
        }
        if (r.PlainPasswords > 0)
        {
            lines.Add(text["Import.Report.PlainPasswords", r.PlainPasswords]);
        }
        if (hostsToUpload)
        {
            lines.Add(text["Import.Report.Agents"]);
        }
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }
    }
}
