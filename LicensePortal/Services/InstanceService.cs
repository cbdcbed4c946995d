using LicensePortal.Data;
using LicensePortal.Notifications;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// The seed's 实例管理: list, add, update and delete instances. Administrators change; support staff see all;
/// a customer sees only their own. Listing never writes (expiry is the background job's work).
/// </summary>
public sealed class InstanceService(
    IDbContextFactory<AppDbContext> dbFactory,
    InstanceChangeNotifier notifier,
    TimeProvider time,
    ILogger<InstanceService> logger)
{
    public const int MaxPageSize = 200;

    /// <summary>
    /// The grid's total is counted up to this many rows; beyond it the page says "10,000+" (<see cref="Page{T}.TotalCapped"/>).
    /// An exact count of a 700,000-row filter costs 60-300 ms on 1M instances; counting 10,001 rows about a millisecond
    /// (docs/performance.md).
    /// </summary>
    public const int TotalCountCap = 10_000;

    private readonly SharedPageReads _refreshReads = new();

    private DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    public async Task<Page<InstanceRow>> ListAsync(PortalActor actor, InstanceQuery query, CancellationToken cancellationToken = default)
    {
        if (!StorableText.IsStorable(query.OwnerUserName) || !StorableText.IsStorable(query.NamePrefix))
        {
            return new Page<InstanceRow>([], 0); // no stored owner or name holds such text (the filter box says why)
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instances = db.Instances.AsNoTracking().VisibleTo(actor);
        if (query.Status is { } status)
        {
            instances = instances.Where(i => i.Status == status);
        }
        if (!string.IsNullOrWhiteSpace(query.OwnerUserName))
        {
            var normalizedOwner = query.OwnerUserName.Trim().ToUpperInvariant();
            var ownerId = await db.Users.Where(u => u.NormalizedUserName == normalizedOwner).Select(u => u.Id).FirstOrDefaultAsync(cancellationToken);
            if (ownerId is null)
            {
                return new Page<InstanceRow>([], 0);
            }
            instances = instances.Where(i => i.OwnerId == ownerId);
        }
        if (!string.IsNullOrWhiteSpace(query.NamePrefix))
        {
            // A range on the normalized name, not LIKE: it is an index range scan on both providers.
            var from = InstanceRules.Normalize(query.NamePrefix);
            var to = from + '\uffff';
#pragma warning disable CA1309 // EF Core translates string.Compare to SQL comparison operators (index-friendly); ordinal overloads do not translate.
            instances = instances.Where(i => string.Compare(i.NormalizedName, from) >= 0 && string.Compare(i.NormalizedName, to) < 0);
#pragma warning restore CA1309
        }

        instances = instances.NotSeenFor(query.NotSeenForDays, time.GetUtcNow().UtcDateTime);
        var counted = await instances.Take(TotalCountCap + 1).CountAsync(cancellationToken);
        var ordered = (query.SortBy, query.Descending) switch
        {
            (InstanceSort.Status, false) => instances.OrderBy(i => i.Status).ThenBy(i => i.NormalizedName),
            (InstanceSort.Status, true) => instances.OrderByDescending(i => i.Status).ThenByDescending(i => i.NormalizedName),
            (InstanceSort.ExpiresOn, false) => instances.OrderBy(i => i.ExpiresOn).ThenBy(i => i.Id),
            (InstanceSort.ExpiresOn, true) => instances.OrderByDescending(i => i.ExpiresOn).ThenByDescending(i => i.Id),
            (InstanceSort.CreatedAt, false) => instances.OrderBy(i => i.Id),
            (InstanceSort.CreatedAt, true) => instances.OrderByDescending(i => i.Id),
            (InstanceSort.UpdatedAt, false) => instances.OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id),
            (InstanceSort.UpdatedAt, true) => instances.OrderByDescending(i => i.UpdatedAt).ThenByDescending(i => i.Id),
            (InstanceSort.DownloadCount, false) => instances.OrderBy(i => i.DownloadCount).ThenBy(i => i.Id),
            (InstanceSort.DownloadCount, true) => instances.OrderByDescending(i => i.DownloadCount).ThenByDescending(i => i.Id),
            (_, true) => instances.OrderByDescending(i => i.NormalizedName),
            _ => instances.OrderBy(i => i.NormalizedName),
        };
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(query.Page, 0);
        var items = await Project(ordered.Skip(Paging.Offset(page, pageSize)).Take(pageSize)).ToListAsync(cancellationToken);
        return new Page<InstanceRow>(items, Math.Min(counted, TotalCountCap)) { TotalCapped = counted > TotalCountCap };
    }

    /// <summary>
    /// <see cref="ListAsync"/> for an open page refreshing because of a change notification: pages showing the same query
    /// to the same audience after the same change share one read (<see cref="SharedPageReads"/>).
    /// </summary>
    public Task<Page<InstanceRow>> ListForRefreshAsync(PortalActor actor, InstanceQuery query) =>
        _refreshReads.ReadAsync(notifier.Generation, actor, query, () => ListAsync(actor, query));

    public async Task<InstanceRow?> GetAsync(PortalActor actor, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Instances.AsNoTracking().VisibleTo(actor).Where(i => i.Id == id)).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<InstanceRow?> FindByNameAsync(PortalActor actor, string name, CancellationToken cancellationToken = default)
    {
        if (!StorableText.IsStorable(name))
        {
            return null; // no stored instance has such a name
        }
        var normalized = InstanceRules.Normalize(name);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Instances.AsNoTracking().VisibleTo(actor).Where(i => i.NormalizedName == normalized)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The seed's /add_instance.</summary>
    public async Task<ServiceResult<InstanceRow>> CreateAsync(PortalActor actor, NewInstance input, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<InstanceRow>.Forbidden();
        }
        var name = input.Name?.Trim() ?? "";
        var errors = InstanceRules.ValidateName(name).Concat(InstanceRules.ValidateQuotas(input.Quotas, Today, isNew: true)).ToList();
        if (StorableText.Check(nameof(NewInstance.OwnerId), input.OwnerId) is { } unstorableOwner)
        {
            errors.Add(unstorableOwner);
            return ServiceResult<InstanceRow>.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owner = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == input.OwnerId, cancellationToken);
        if (owner is null)
        {
            errors.Add(new FieldError(nameof(NewInstance.OwnerId), "Error.OwnerNotFound"));
        }
        var normalized = InstanceRules.Normalize(name);
        if (!errors.Any(e => e.Field == nameof(NewInstance.Name)) && await db.Instances.AnyAsync(i => i.NormalizedName == normalized, cancellationToken))
        {
            errors.Add(new FieldError(nameof(NewInstance.Name), "Error.DuplicateInstanceName"));
        }
        if (errors.Count > 0)
        {
            return ServiceResult<InstanceRow>.Invalid(errors);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var instance = new Instance
        {
            Name = name,
            NormalizedName = normalized,
            OwnerId = input.OwnerId,
            CreatedAt = now,
            UpdatedAt = now,
            Version = Guid.NewGuid(),
        };
        Apply(instance, input.Quotas);
        InstanceLifecycle.Created(instance.ExpiresOn, now).ApplyTo(instance);
        db.Instances.Add(instance);
        AuditLog.Add(db, actor, now, "instance.create", "instance", instance.Name, null, AuditLog.InstanceState(instance));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            if (!await NameTakenAsync(normalized, cancellationToken))
            {
                throw;
            }
            // Lost a race with another create of the same name: the unique index said no.
            logger.LogInformation(ex, "Instance name {Name} was taken concurrently", name);
            return ServiceResult<InstanceRow>.Invalid(nameof(NewInstance.Name), "Error.DuplicateInstanceName");
        }
        logger.LogInformation("{Actor} created instance {Instance} for {Owner}", actor.UserName, instance.Name, owner!.UserName);
        await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Created));
        return ServiceResult<InstanceRow>.Ok((await GetAsync(actor, instance.Id, cancellationToken))!);
    }

    /// <summary>
    /// The seed's /update_instance: new quotas and expiry. <paramref name="expectedVersion"/> is the version the editor read;
    /// if someone saved since, nothing is written and the result carries the current values.
    /// </summary>
    public async Task<ServiceResult<InstanceRow>> UpdateAsync(PortalActor actor, int id, InstanceQuotas quotas, Guid expectedVersion, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ServiceResult<InstanceRow>.Forbidden();
        }
        var errors = InstanceRules.ValidateQuotas(quotas, Today, isNew: false).ToList();
        if (errors.Count > 0)
        {
            return ServiceResult<InstanceRow>.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var instance = await db.Instances.FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (instance is null)
        {
            return ServiceResult<InstanceRow>.NotFound();
        }
        if (instance.Version != expectedVersion)
        {
            // Read again for the answer: a delete may have landed since (then it is not found, not a conflict).
            var stored = await GetAsync(actor, id, cancellationToken);
            return stored is null ? ServiceResult<InstanceRow>.NotFound() : ServiceResult<InstanceRow>.Conflict(stored);
        }

        var before = AuditLog.InstanceState(instance);
        var now = time.GetUtcNow().UtcDateTime;
        var state = InstanceLifecycle.ExpiryChanged(InstanceState.Of(instance), quotas.ExpiresOn, now);
        var statusBefore = instance.Status;
        Apply(instance, quotas);
        state.ApplyTo(instance);
        instance.UpdatedAt = now;
        instance.Version = Guid.NewGuid();
        AuditLog.Add(db, actor, now, "instance.update", "instance", instance.Name, before, AuditLog.InstanceState(instance));
        if (Webhooks.WebhookEvents.StateChanged(instance, statusBefore, now) is { } stateChanged)
        {
            Webhooks.WebhookEvents.Add(db, stateChanged);
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone saved between our read and our write: the version in the WHERE clause no longer matched.
            var current = await GetAsync(actor, id, cancellationToken);
            return current is null ? ServiceResult<InstanceRow>.NotFound() : ServiceResult<InstanceRow>.Conflict(current);
        }
        logger.LogInformation("{Actor} updated instance {Instance}", actor.UserName, instance.Name);
        await notifier.PublishAsync(new InstanceChange(instance.Id, instance.OwnerId, InstanceChangeKind.Updated));
        // A delete may land right after the save: then the instance is not found.
        return await GetAsync(actor, id, cancellationToken) is { } saved ? ServiceResult<InstanceRow>.Ok(saved) : ServiceResult<InstanceRow>.NotFound();
    }

    /// <summary>The seed's /delete_instances: each id succeeds or fails on its own, with its reason.</summary>
    public async Task<IReadOnlyList<BulkItemResult>> DeleteAsync(PortalActor actor, IReadOnlyCollection<int> ids, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return ids.Select(id => new BulkItemResult(id.ToString(System.Globalization.CultureInfo.InvariantCulture), false, "Error.Forbidden")).ToList();
        }
        var found = await RemoveAsync(actor, ids, cancellationToken);
        var changes = found.Select(i => new InstanceChange(i.Id, i.OwnerId, InstanceChangeKind.Deleted)).ToList();
        logger.LogInformation("{Actor} deleted instances {Instances}", actor.UserName, string.Join(", ", found.Select(i => i.Name)));
        await notifier.PublishAsync(changes);
        var byId = found.ToDictionary(i => i.Id);
        return ids.Select(id => byId.TryGetValue(id, out var i)
            ? new BulkItemResult(i.Name, true, null)
            : new BulkItemResult(id.ToString(System.Globalization.CultureInfo.InvariantCulture), false, "Error.NotFound")).ToList();
    }

    /// <summary>
    /// Deletes what of <paramref name="ids"/> exists, all or nothing. An instance changed or deleted by someone else between
    /// the read and the delete fails the save (the delete is guarded by the version like every write): a delete is what the
    /// administrator asked for whatever the instance now holds, so read again and delete what is still there.
    /// </summary>
    private async Task<List<Instance>> RemoveAsync(PortalActor actor, IReadOnlyCollection<int> ids, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var found = await db.Instances.Where(i => ids.Contains(i.Id)).ToListAsync(cancellationToken);
            Remove(db, actor, time.GetUtcNow().UtcDateTime, found);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return found;
            }
            catch (DbUpdateConcurrencyException) when (attempt < InstanceWrites.ConcurrencyRetries)
            {
                logger.LogInformation("Instances to delete changed meanwhile; reading them again");
            }
        }
    }

    /// <summary>
    /// The one way instances are deleted, by an administrator's bulk delete or with their owner's account: removed with an
    /// audit entry each (their state before), in the caller's unit of work. The caller saves, then publishes the changes
    /// returned, so every open page hears of the deletion.
    /// </summary>
    internal static IReadOnlyList<InstanceChange> Remove(AppDbContext db, PortalActor actor, DateTime now, IReadOnlyList<Instance> instances)
    {
        db.Instances.RemoveRange(instances);
        foreach (var instance in instances)
        {
            AuditLog.Add(db, actor, now, "instance.delete", "instance", instance.Name, AuditLog.InstanceState(instance), null);
        }
        return instances.Select(i => new InstanceChange(i.Id, i.OwnerId, InstanceChangeKind.Deleted)).ToList();
    }

    private async Task<bool> NameTakenAsync(string normalized, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Instances.AnyAsync(i => i.NormalizedName == normalized, cancellationToken);
    }

    private static void Apply(Instance instance, InstanceQuotas quotas)
    {
        instance.MaxDesktops = quotas.MaxDesktops;
        instance.MaxImages = quotas.MaxImages;
        instance.MaxUsers = quotas.MaxUsers;
        instance.MaxVcpus = quotas.MaxVcpus;
        instance.MaxVmemGib = quotas.MaxVmemGib;
        instance.MaxVdiskGib = quotas.MaxVdiskGib;
        instance.ExpiresOn = quotas.ExpiresOn;
    }

    internal static IQueryable<InstanceRow> Project(IQueryable<Instance> instances) => instances.Select(i => new InstanceRow
    {
        Id = i.Id,
        Name = i.Name,
        OwnerId = i.OwnerId,
        OwnerUserName = i.Owner!.UserName ?? "",
        MaxDesktops = i.MaxDesktops,
        MaxImages = i.MaxImages,
        MaxUsers = i.MaxUsers,
        MaxVcpus = i.MaxVcpus,
        MaxVmemGib = i.MaxVmemGib,
        MaxVdiskGib = i.MaxVdiskGib,
        Status = i.Status,
        StatusReason = i.StatusReason,
        StatusChangedAt = i.StatusChangedAt,
        ExpiresOn = i.ExpiresOn,
        Mac = i.Mac,
        SerialNumber = i.SerialNumber,
        DownloadCount = i.DownloadCount,
        HostIdentifiers = i.HostIdentifiers, HostIdentifierTolerance = i.HostIdentifierTolerance, RebindPending = i.PendingHostInfo != "",
        CreatedAt = i.CreatedAt,
        UpdatedAt = i.UpdatedAt,
        Version = i.Version,
        LastSeenAt = i.LastSeenAt, LastSeenRevision = i.LastSeenRevision, LastSeenAgentVersion = i.LastSeenAgentVersion,
    });
}
