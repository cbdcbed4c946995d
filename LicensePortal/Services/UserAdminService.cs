using System.Security.Cryptography;
using LicensePortal.Data;
using LicensePortal.Notifications;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// The seed's 用户管理: list, create, update, (de)activate and delete accounts. Administrators only, except listing,
/// which support staff may also do. Each change runs in its own DI scope so no UserManager or DbContext outlives it.
/// </summary>
public sealed class UserAdminService(
    IDbContextFactory<AppDbContext> dbFactory,
    IServiceScopeFactory scopeFactory,
    InstanceChangeNotifier notifier,
    Email.EmailConfirmation confirmation,
    TimeProvider time,
    ILogger<UserAdminService> logger)
{
    public const int MaxPageSize = 200;

    public async Task<ServiceResult<Page<UserRow>>> ListAsync(PortalActor actor, UserQuery query, CancellationToken cancellationToken = default)
    {
        if (!actor.SeesEverything)
        {
            return ServiceResult<Page<UserRow>>.Forbidden();
        }
        if (StorableText.Check(nameof(UserQuery.Search), query.Search) is { } unstorable)
        {
            return ServiceResult<Page<UserRow>>.Invalid([unstorable]);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var users = UserRows.Matching(db.Users.AsNoTracking(), query.Search);
        var total = await users.CountAsync(cancellationToken);
        var ordered = UserRows.Ordered(users, query.SortBy, query.Descending);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var items = await UserRows.Project(db, ordered.Skip(Paging.Offset(query.Page, pageSize)).Take(pageSize)).ToListAsync(cancellationToken);
        return ServiceResult<Page<UserRow>>.Ok(new Page<UserRow>(items, total));
    }

    public async Task<UserRow?> GetAsync(PortalActor actor, string id, CancellationToken cancellationToken = default)
    {
        if ((!actor.SeesEverything && actor.UserId != id) || !StorableText.IsStorable(id))
        {
            return null; // no stored account has such an id
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await UserRows.Project(db, db.Users.AsNoTracking().Where(u => u.Id == id)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Accounts whose user name starts with <paramref name="prefix"/>, for owner pickers.</summary>
    public async Task<IReadOnlyList<UserRow>> SearchAsync(PortalActor actor, string? prefix, int limit, CancellationToken cancellationToken = default)
    {
        var page = await ListAsync(actor, new UserQuery(0, Math.Clamp(limit, 1, 50), prefix), cancellationToken);
        return page.Value?.Items ?? [];
    }

    /// <summary>The seed's /create_user. Without a password, one is generated, returned once, and must be changed at first sign-in.</summary>
    public async Task<ServiceResult<CreatedUser>> CreateAsync(PortalActor actor, UserInput input, string? password, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<CreatedUser>.Forbidden();
        }
        input = UserChecks.Clean(input);
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var errors = await UserChecks.CreateErrorsAsync(users, input);
        if (errors.Count > 0)
        {
            return ServiceResult<CreatedUser>.Invalid(errors);
        }

        var generated = string.IsNullOrEmpty(password);
        var initialPassword = generated ? GeneratePassword() : password!;
        var now = time.GetUtcNow().UtcDateTime;
        var user = new PortalUser { MustChangePassword = generated, CreatedAt = now, UpdatedAt = now };
        CopyFields(input, user);

        // Account and role together or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(user, initialPassword);
        if (!created.Succeeded)
        {
            return ServiceResult<CreatedUser>.Invalid(UserChecks.MapIdentityErrors(created));
        }
        var roled = await users.AddToRoleAsync(user, input.Role);
        if (!roled.Succeeded)
        {
            return ServiceResult<CreatedUser>.Invalid(UserChecks.MapIdentityErrors(roled));
        }
        AuditLog.Add(db, actor, now, "user.create", "user", user.UserName ?? user.Id, null, AuditLog.UserState(user, input.Role));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("{Actor} created account {UserName} with role {Role}", actor.UserName, user.UserName, input.Role);
        // After the commit: the account exists whatever the SMTP server does; a link that did not go can be sent again.
        await confirmation.SendLinkAsync(user.Id, cancellationToken);
        var row = (await GetAsync(actor, user.Id, cancellationToken))!;
        return ServiceResult<CreatedUser>.Ok(new CreatedUser(row, generated ? initialPassword : null));
    }

    /// <summary>
    /// The seed's /update_user: profile fields, role, active and confirmed flags. <paramref name="expectedVersion"/> is the
    /// <see cref="UserRow.Version"/> the editor read; if the account changed since, nothing is written and the result
    /// carries the current values.
    /// </summary>
    public Task<ServiceResult<UserRow>> UpdateAsync(PortalActor actor, string id, UserInput input, string expectedVersion, CancellationToken cancellationToken = default) =>
        UpdateAsync(actor, id, input, expectedVersion, "user.update", cancellationToken);

    private async Task<ServiceResult<UserRow>> UpdateAsync(PortalActor actor, string id, UserInput input, string expectedVersion, string action, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<UserRow>.Forbidden();
        }
        input = UserChecks.Clean(input);
        if (!StorableText.IsStorable(id))
        {
            return ServiceResult<UserRow>.NotFound();
        }
        if (StorableText.Check(nameof(UserRow.Version), expectedVersion) is { } unstorableVersion)
        {
            return ServiceResult<UserRow>.Invalid([unstorableVersion]);
        }
        var outcome = await WriteAsync(actor, id, input, expectedVersion, action, cancellationToken);
        if (outcome.Failure != Failure.Conflict)
        {
            return outcome;
        }
        // Read after the write's transaction is gone, so the answer shows what the other writer committed.
        var current = await GetAsync(actor, id, cancellationToken);
        return current is null ? ServiceResult<UserRow>.NotFound() : ServiceResult<UserRow>.Conflict(current);
    }

    /// <summary>One update in one transaction; a stale version gives a bare <see cref="Failure.Conflict"/> (the caller reads the current values).</summary>
    private async Task<ServiceResult<UserRow>> WriteAsync(PortalActor actor, string id, UserInput input, string expectedVersion, string action, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var user = await users.FindByIdAsync(id);
        if (user is null)
        {
            return ServiceResult<UserRow>.NotFound();
        }
        if (!string.Equals(user.ConcurrencyStamp ?? "", expectedVersion, StringComparison.Ordinal))
        {
            return StaleVersion;
        }
        var currentRole = PortalRole.Effective(await users.GetRolesAsync(user));
        var errors = await UserChecks.UpdateErrorsAsync(users, db, id, currentRole, input, cancellationToken);
        if (errors.Count > 0)
        {
            return ServiceResult<UserRow>.Invalid(errors);
        }

        var before = AuditLog.UserState(user, currentRole);
        var deactivating = user.IsActive && !input.IsActive;
        var roleChanged = currentRole != input.Role;
        var emailChanged = !string.Equals(user.Email ?? "", input.Email ?? "", StringComparison.OrdinalIgnoreCase);
        var wasConfirmed = user.EmailConfirmed;
        CopyFields(input, user);
        if (emailChanged && wasConfirmed)
        {
            user.EmailConfirmed = false; // the confirmation was the old address's; ticking the box in a later save vouches for the new one
        }
        user.UpdatedAt = time.GetUtcNow().UtcDateTime;

        // Identity's store writes WHERE ConcurrencyStamp = the stamp read above and gives the row a new one, so a change
        // committed since the check fails here as ConcurrencyFailure; the role and security stamp writes that follow
        // are in the same transaction and go with it.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var saved = await users.UpdateAsync(user);
        if (saved.Succeeded && roleChanged)
        {
            var removed = await users.RemoveFromRoleAsync(user, currentRole);
            saved = removed.Succeeded ? await users.AddToRoleAsync(user, input.Role) : removed;
        }
        if (saved.Succeeded && (deactivating || roleChanged))
        {
            // Open sessions re-check the stamp every minute and end when it changed.
            saved = await users.UpdateSecurityStampAsync(user);
        }
        if (!saved.Succeeded)
        {
            return saved.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))
                ? StaleVersion
                : ServiceResult<UserRow>.Invalid(UserChecks.MapIdentityErrors(saved));
        }
        AuditLog.Add(db, actor, user.UpdatedAt, action, "user", user.UserName ?? id, before, AuditLog.UserState(user, input.Role));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("{Actor} updated account {UserName}", actor.UserName, user.UserName);
        if (emailChanged && !user.EmailConfirmed)
        {
            await confirmation.SendLinkAsync(id, cancellationToken);
        }
        return ServiceResult<UserRow>.Ok((await GetAsync(actor, id, cancellationToken))!);
    }

    /// <summary>
    /// Whether <paramref name="actor"/> may send <paramref name="user"/> the confirmation link again: administrators only,
    /// to an address that is there and not confirmed yet, and only when the portal sends mail at all.
    /// </summary>
    public bool CanSendConfirmationLink(PortalActor actor, UserRow user) =>
        actor.IsAdministrator && confirmation.MailEnabled && !string.IsNullOrEmpty(user.Email) && !user.Confirmed;

    /// <summary>
    /// Sends the account a new confirmation link (the rules of <see cref="CanSendConfirmationLink"/>, on the account as
    /// stored now); audited once the SMTP server took it.
    /// </summary>
    public async Task<ServiceResult<bool>> SendConfirmationLinkAsync(PortalActor actor, string id, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<bool>.Forbidden();
        }
        if (!confirmation.MailEnabled)
        {
            return ServiceResult<bool>.Invalid("", "Users.ConfirmationMailOff");
        }
        var user = await GetAsync(actor, id, cancellationToken);
        if (user is null)
        {
            return ServiceResult<bool>.NotFound();
        }
        if (string.IsNullOrEmpty(user.Email))
        {
            return ServiceResult<bool>.Invalid("Email", "Users.ConfirmationNoAddress", user.UserName);
        }
        if (user.Confirmed)
        {
            return ServiceResult<bool>.Invalid("Email", "Users.ConfirmationNotNeeded", user.UserName);
        }
        if (!await confirmation.SendLinkAgainAsync(actor, id, cancellationToken))
        {
            return ServiceResult<bool>.Invalid("", "Users.ConfirmationNotSent", user.UserName);
        }
        logger.LogInformation("{Actor} sent account {UserName} its e-mail confirmation link again", actor.UserName, user.UserName);
        return ServiceResult<bool>.Ok(true);
    }

    private static readonly ServiceResult<UserRow> StaleVersion = new(null, Failure.Conflict, [new FieldError("", "Error.Conflict")]);

    /// <summary>
    /// The seed's /update_user_status: activate or deactivate. Deactivation ends open sessions within a minute.
    /// With <paramref name="expectedVersion"/> (the grid's switch, an API caller that sends one) a change of the account
    /// since that read is a conflict; without it the flag is set on the account as stored now. Either way the other
    /// fields are those of one read, guarded by its version, so a concurrent edit is never overwritten.
    /// </summary>
    public async Task<ServiceResult<UserRow>> SetActiveAsync(PortalActor actor, string id, bool active, string? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(actor, id, cancellationToken);
        if (!actor.IsAdministrator)
        {
            return ServiceResult<UserRow>.Forbidden();
        }
        if (current is null)
        {
            return ServiceResult<UserRow>.NotFound();
        }
        if (!active && id == actor.UserId)
        {
            return ServiceResult<UserRow>.Invalid("", "Error.CannotDeactivateSelf");
        }
        return await UpdateAsync(actor, id, ToInput(current) with { IsActive = active }, expectedVersion ?? current.Version,
            active ? "user.activate" : "user.deactivate", cancellationToken);
    }

    public async Task<IReadOnlyList<UserDeletionPreview>> PreviewDeletionAsync(PortalActor actor, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return [];
        }
        ids = ids.Where(StorableText.IsStorable).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var users = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, u.UserName, Instances = u.Instances.OrderBy(i => i.NormalizedName).Select(i => i.Name).ToList() })
            .ToListAsync(cancellationToken);
        return users.Select(u => new UserDeletionPreview(u.Id, u.UserName ?? "", u.Instances)).ToList();
    }

    /// <summary>The seed's /delete_users: each account succeeds or fails on its own. Its instances go with it (ON DELETE CASCADE).</summary>
    public async Task<IReadOnlyList<BulkItemResult>> DeleteAsync(PortalActor actor, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        var results = new List<BulkItemResult>();
        foreach (var id in ids.Distinct())
        {
            results.Add(await DeleteOneAsync(actor, id, cancellationToken));
        }
        return results;
    }

    private async Task<BulkItemResult> DeleteOneAsync(PortalActor actor, string id, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator)
        {
            return new BulkItemResult(id, false, "Error.Forbidden");
        }
        if (id == actor.UserId)
        {
            return new BulkItemResult(actor.UserName, false, "Error.CannotDeleteSelf");
        }
        if (!StorableText.IsStorable(id))
        {
            return new BulkItemResult(id, false, "Error.NotFound"); // no stored account has such an id
        }
        // One of the account's instances changed between the read and the delete (their deletes are version-guarded):
        // the delete is still what was asked, so read again and delete what is there now.
        for (var attempt = 0; ; attempt++)
        {
            if (await TryDeleteOneAsync(actor, id, cancellationToken) is { } result)
            {
                return result;
            }
            if (attempt >= InstanceWrites.ConcurrencyRetries)
            {
                return new BulkItemResult(id, false, "Error.DeleteFailed");
            }
        }
    }

    /// <summary>Deletes the account with its instances in one transaction; null when a concurrent change made the save fail.</summary>
    private async Task<BulkItemResult?> TryDeleteOneAsync(PortalActor actor, string id, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var user = await users.FindByIdAsync(id);
        if (user is null)
        {
            return new BulkItemResult(id, false, "Error.NotFound");
        }
        if (await users.IsInRoleAsync(user, PortalRole.Administrator) && !await UserChecks.AnotherActiveAdministratorExistsAsync(db, id, cancellationToken))
        {
            return new BulkItemResult(user.UserName ?? id, false, "Error.LastAdministrator");
        }
        var role = PortalRole.Effective(await users.GetRolesAsync(user));
        var instances = await db.Instances.Where(i => i.OwnerId == id).OrderBy(i => i.NormalizedName).ToListAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        // The account, its instances (deleted the way every instance is, with the same audit entries) and the account's
        // audit entry together or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changes = InstanceService.Remove(db, actor, now, instances);
        var deleted = await users.DeleteAsync(user);
        if (!deleted.Succeeded && deleted.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            return null;
        }
        if (!deleted.Succeeded)
        {
            logger.LogWarning("Deleting account {UserName} failed: {Errors}", user.UserName, string.Join("; ", deleted.Errors.Select(e => e.Code)));
            return new BulkItemResult(user.UserName ?? id, false, "Error.DeleteFailed");
        }
        AuditLog.Add(db, actor, now, "user.delete", "user", user.UserName ?? id, AuditLog.UserState(user, role), null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("{Actor} deleted account {UserName} and its {Count} instance(s)", actor.UserName, user.UserName, instances.Count);
        await notifier.PublishAsync(changes);
        return new BulkItemResult(user.UserName ?? id, true, null);
    }

    public static UserInput ToInput(UserRow row) =>
        new(row.UserName, row.Email, row.Phone, row.Organization, row.OsAuthUrl, row.Role, row.IsActive, row.Confirmed, row.Language);

    /// <summary>20 characters from all four classes; about 120 bits.</summary>
    public static string GeneratePassword()
    {
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        const string lower = "abcdefghijkmnopqrstuvwxyz";
        const string digits = "23456789";
        const string symbols = "!#$%*+-=?@_";
        const string all = upper + lower + digits + symbols;
        var chars = new char[20];
        chars[0] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[1] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        chars[3] = symbols[RandomNumberGenerator.GetInt32(symbols.Length)];
        for (var i = 4; i < chars.Length; i++)
        {
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }

    /// <summary>What an administrator types goes into these columns, on create and on update alike.</summary>
    private static void CopyFields(UserInput input, PortalUser user)
    {
        user.UserName = input.UserName;
        user.Email = input.Email;
        user.PhoneNumber = input.Phone;
        user.Organization = input.Organization ?? "";
        user.OsAuthUrl = input.OsAuthUrl ?? "";
        user.IsActive = input.IsActive;
        user.EmailConfirmed = input.Confirmed;
        if (input.Language is not null)
        {
            user.PreferredLanguage = input.Language;
        }
    }
}
