using System.Data;
using LicensePortal.Data;
using LicensePortal.Options;
using LicensePortal.Services.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace LicensePortal.Email;

/// <summary>
/// Expiry reminders: Reminders:DaysBefore days before an instance's expiry date (default 30, 7, 1) and on the day, an
/// <c>instance.expiring</c> webhook event for every instance, and a mail to its owner's confirmed address in the owner's
/// language (unless they turned reminders off) and to Reminders:StaffAddress.
/// Each check runs in two halves, so that restarts, several nodes and an SMTP outage neither duplicate nor lose one:
/// <list type="number">
/// <item>Claim (always, with or without mail): for each instance whose step is due, insert its
/// <see cref="ExpiryReminder"/> row (unique on instance, expiry date, step; <c>ON CONFLICT DO NOTHING</c>) and, in the
/// same transaction, only if the insert made the row, the webhook event (<see cref="ClaimAsync"/>). Whether anybody can
/// be mailed does not matter here; a new expiry date is a new series.</item>
/// <item>Send (only with mail configured): pending rows are leased in a short transaction as the status sweep locks its
/// batch (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite), sent outside it, and marked sent as soon as
/// the SMTP server accepted them. A refusal or an unreachable server leaves the row pending with a later attempt time
/// (doubling back-off); a node that died while holding a lease is taken over when the lease ends. A row with nobody to
/// mail yet stays pending and is looked at again after Reminders:CheckInterval, so an owner who confirms their address
/// within the step still gets it. A row whose step is over (the next one due, the expiry date changed) is settled
/// unsent. With mail off the rows just wait: when mail is turned on, the step due then is sent and earlier ones are
/// settled unsent.</item>
/// </list>
/// The one window left is between the server's acceptance and the update that records it (one statement, retried): a
/// node killed exactly there sends that message again when its lease ends. The Message-ID is the same each time, so
/// the receiving side can recognise it.
/// </summary>
public sealed class ExpiryReminders(
    IDbContextFactory<AppDbContext> dbFactory,
    MailSender sender,
    MailMessages messages,
    IOptions<ReminderOptions> options,
    TimeProvider time,
    ILogger<ExpiryReminders> logger) : BackgroundService
{
    private const int ClaimBatchSize = 500;
    private const int SendBatchSize = 20;

    /// <summary>How long a node holds a reminder it is sending: well above one attempt's SMTP timeouts.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    private readonly string _node = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}" is var n && n.Length > 64 ? n[^64..] : n;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CheckInterval;
        var nextClaim = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = time.GetUtcNow() + TimeSpan.FromSeconds(30);
            try
            {
                if (time.GetUtcNow() >= nextClaim)
                {
                    nextClaim = time.GetUtcNow() + interval;
                    await ClaimDueAsync(stoppingToken);
                }
                wake = nextClaim;
                // Without mail (said once at start, MailStartupNotice) the claimed rows wait for it; their webhook events went out.
                if (sender.Enabled)
                {
                    await SendDueAsync(stoppingToken);
                    wake = await NextAttemptAsync(stoppingToken) is { } retry && retry < nextClaim ? retry : nextClaim;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The expiry reminder check failed; it runs again shortly");
            }
            var delay = wake - time.GetUtcNow();
            await Task.Delay(delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay > interval ? interval : delay, time, stoppingToken);
        }
    }

    /// <summary>The step due <paramref name="daysLeft"/> days before the expiry date: the smallest step not below it; null when none is.</summary>
    public static int? DueStep(IReadOnlyList<int> steps, int daysLeft) =>
        daysLeft < 0 ? null : steps.Where(s => s >= daysLeft).Select(s => (int?)s).LastOrDefault();

    /// <summary>Claims every reminder step that is due and not yet claimed; returns how many this call claimed.</summary>
    public async Task<int> ClaimDueAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var steps = options.Value.Steps;
        var last = today.AddDays(steps[0]);
        var claimed = 0;
        var afterId = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            // Every instance reaching a step, whoever can be mailed: the claim is the step reached (and its webhook
            // event); who is mailed is decided when it is sent.
            var batch = await db.Instances.AsNoTracking()
                .Where(i => i.Id > afterId && i.ExpiresOn >= today && i.ExpiresOn <= last)
                .OrderBy(i => i.Id).Take(ClaimBatchSize)
                .Select(i => new
                {
                    i.Id,
                    i.Name,
                    i.OwnerId,
                    i.ExpiresOn,
                    Claimed = db.ExpiryReminders.Where(r => r.InstanceId == i.Id && r.ExpiresOn == i.ExpiresOn).Select(r => r.DaysBefore).ToList(),
                })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return claimed;
            }
            afterId = batch[^1].Id;
            foreach (var instance in batch)
            {
                if (DueStep(steps, instance.ExpiresOn.DayNumber - today.DayNumber) is not { } step || instance.Claimed.Contains(step))
                {
                    continue;
                }
                var reached = new ReminderStep(instance.Id, instance.Name, instance.OwnerId, instance.ExpiresOn, step);
                if (await ClaimAsync(db, reached, now, cancellationToken))
                {
                    claimed++;
                    logger.LogInformation("Instance {Instance} reached its {Days}-day expiry reminder for {ExpiresOn:yyyy-MM-dd}", reached.InstanceName, reached.DaysBefore, reached.ExpiresOn);
                }
            }
        }
    }

    /// <summary>
    /// The one place a reminder step is reached: the claim row and the <c>instance.expiring</c> webhook event commit
    /// together, so each happens exactly once per instance, expiry date and step across all nodes and restarts (the
    /// node whose insert created the row adds the event), before and whether or not any mail is sent.
    /// </summary>
    private static async Task<bool> ClaimAsync(AppDbContext db, ReminderStep step, DateTime now, CancellationToken cancellationToken)
    {
        var pending = nameof(ReminderOutcome.Pending);
        // A user transaction under PostgreSQL's retrying strategy must run inside it (the whole unit is retried).
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO "ExpiryReminders" ("InstanceId", "ExpiresOn", "DaysBefore", "ClaimedAt", "Outcome", "Recipients", "Language", "Attempts", "NextAttemptAt", "LastError", "LeasedBy")
                VALUES ({step.InstanceId}, {step.ExpiresOn}, {step.DaysBefore}, {now}, {pending}, '', '', 0, {now}, '', '')
                ON CONFLICT DO NOTHING
                """, ct);
            if (inserted == 1)
            {
                var daysLeft = step.ExpiresOn.DayNumber - DateOnly.FromDateTime(now).DayNumber; // the step's own number when claimed on time
                db.WebhookEvents.Add(WebhookEvents.Expiring(step.InstanceId, step.InstanceName, step.ExpiresOn, daysLeft, now));
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
            return inserted == 1;
        }, cancellationToken);
    }

    /// <summary>Sends the pending reminders whose attempt is due; returns how many the SMTP server accepted.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken = default)
    {
        var sent = 0;
        while (await LeaseBatchAsync(cancellationToken) is { Count: > 0 } ids)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                if (await SendOneAsync(ids[i], cancellationToken) is not { } accepted)
                {
                    // The server is away or refusing: the rest wait for their next attempt rather than a timeout each.
                    await ReleaseAsync(ids.Skip(i + 1).ToList(), cancellationToken);
                    return sent;
                }
                sent += accepted ? 1 : 0;
            }
        }
        return sent;
    }

    /// <summary>Leases up to a batch of due pending reminders to this node (locked as the status sweep locks its rows).</summary>
    private async Task<List<long>> LeaseBatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        await using var transaction = await db.Database.BeginTransactionAsync(postgres ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable, cancellationToken);
        var pending = nameof(ReminderOutcome.Pending);
        var ids = postgres
            ? await db.Database.SqlQuery<long>($"""
                SELECT "Id" AS "Value" FROM "ExpiryReminders"
                WHERE "Outcome" = {pending} AND "NextAttemptAt" <= {now} AND ("LeasedUntil" IS NULL OR "LeasedUntil" < {now})
                ORDER BY "Id" LIMIT {SendBatchSize} FOR UPDATE SKIP LOCKED
                """).ToListAsync(cancellationToken)
            : await db.Database.SqlQuery<long>($"""
                SELECT "Id" AS "Value" FROM "ExpiryReminders"
                WHERE "Outcome" = {pending} AND "NextAttemptAt" <= {now} AND ("LeasedUntil" IS NULL OR "LeasedUntil" < {now})
                ORDER BY "Id" LIMIT {SendBatchSize}
                """).ToListAsync(cancellationToken);
        if (ids.Count > 0)
        {
            var until = now + Lease;
            await db.ExpiryReminders.Where(r => ids.Contains(r.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeasedUntil, until).SetProperty(r => r.LeasedBy, _node), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return ids;
    }

    /// <summary>
    /// One leased reminder: true when the SMTP server accepted it, false when it was not sent and that is no reason to
    /// stop (its step is over, nobody to mail yet, no longer ours), null when the attempt failed (retried later).
    /// </summary>
    private async Task<bool?> SendOneAsync(long id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Renewed right before the attempt, so the lease covers this send whatever the ones before it took.
        var renewed = await db.ExpiryReminders
            .Where(r => r.Id == id && r.LeasedBy == _node && r.LeasedUntil > now && r.Outcome == ReminderOutcome.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeasedUntil, now + Lease), cancellationToken);
        var row = renewed == 0 ? null : await db.ExpiryReminders.AsNoTracking().Where(r => r.Id == id).Select(r => new
        {
            r.Id,
            r.ExpiresOn,
            r.DaysBefore,
            r.Attempts,
            Instance = r.Instance!.Name,
            r.Instance.Status,
            CurrentExpiry = r.Instance.ExpiresOn,
            r.Instance.Owner!.UserName,
            r.Instance.Owner.Email,
            r.Instance.Owner.EmailConfirmed,
            r.Instance.Owner.ExpiryRemindersOff,
            r.Instance.Owner.IsActive,
            r.Instance.Owner.PreferredLanguage,
        }).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return false; // deleted with its instance, or another node's now
        }

        var daysLeft = row.ExpiresOn.DayNumber - today.DayNumber;
        var ownerTold = OwnerIsReminded(row.Email, row.EmailConfirmed, row.ExpiryRemindersOff, row.IsActive);
        var staff = StaffMailbox(options.Value);
        if (row.CurrentExpiry != row.ExpiresOn || DueStep(options.Value.Steps, daysLeft) != row.DaysBefore)
        {
            // Its step is over unsent: nobody to mail (never tried), or it could not go in time (mail off, SMTP away).
            var why = !ownerTold && staff is null && row.Attempts == 0 ? ReminderOutcome.NoRecipient : ReminderOutcome.Superseded;
            await SettleAsync(db, id, why, null, "", "", cancellationToken);
            return false;
        }
        if (!ownerTold && staff is null)
        {
            // Nobody to mail yet: looked at again at the next check, so an owner who confirms their address within the step still gets it.
            var again = now + options.Value.CheckInterval;
            await db.ExpiryReminders.Where(r => r.Id == id && r.Outcome == ReminderOutcome.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextAttemptAt, again).SetProperty(r => r.LeasedUntil, (DateTime?)null).SetProperty(r => r.LeasedBy, ""), cancellationToken);
            return false;
        }

        var language = ownerTold ? row.PreferredLanguage : MailCultures.Default;
        var message = messages.ExpiryReminder(language, row.Instance, row.Status, row.ExpiresOn, daysLeft);
        // The same id on every attempt: a copy that ever arrived twice is recognisably the same message.
        message.MessageId = $"expiry-reminder-{row.Id}-{row.ExpiresOn:yyyyMMdd}-{row.DaysBefore}@{sender.PortalUrl.Host}";
        var recipients = new List<string>();
        if (ownerTold)
        {
            message.To.Add(new MailboxAddress(row.UserName, row.Email!));
            recipients.Add(row.Email!);
        }
        if (staff is not null)
        {
            (ownerTold ? message.Bcc : message.To).Add(staff);
            recipients.Add(staff.Address);
        }

        try
        {
            await sender.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var attempts = row.Attempts + 1;
            var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, options.Value.RetryDelay.Ticks * (1L << Math.Min(attempts - 1, 20))));
            var error = ex.Message.Length > 512 ? ex.Message[..512] : ex.Message;
            logger.LogWarning("The {Days}-day expiry reminder of {Instance} was not sent (attempt {Attempts}, next in {Delay}): {Error}", row.DaysBefore, row.Instance, attempts, delay, error);
            var next = time.GetUtcNow().UtcDateTime + delay;
            await db.ExpiryReminders.Where(r => r.Id == id && r.Outcome == ReminderOutcome.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Attempts, attempts).SetProperty(r => r.NextAttemptAt, next)
                    .SetProperty(r => r.LastError, error).SetProperty(r => r.LeasedUntil, (DateTime?)null).SetProperty(r => r.LeasedBy, ""), CancellationToken.None);
            return null;
        }

        // Accepted: record it even if the portal is stopping, and through a brief database failure (a duplicate otherwise).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SettleAsync(db, id, ReminderOutcome.Sent, time.GetUtcNow().UtcDateTime, string.Join(", ", recipients), language, CancellationToken.None);
                break;
            }
            catch (Exception ex) when (attempt < 10 && DatabaseFailures.IsTransient(ex))
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, CancellationToken.None);
            }
        }
        logger.LogInformation("Sent the {Days}-day expiry reminder of {Instance} to {Recipients}", row.DaysBefore, row.Instance, recipients.Count);
        return true;
    }

    /// <summary>Whether an instance's owner is mailed its reminders: a confirmed address, reminders not turned off, the account active.</summary>
    public static bool OwnerIsReminded(string? email, bool emailConfirmed, bool remindersOff, bool isActive) =>
        !string.IsNullOrEmpty(email) && emailConfirmed && !remindersOff && isActive;

    /// <summary>Reminders:StaffAddress, mailed every reminder; null when there is none.</summary>
    public static MailboxAddress? StaffMailbox(ReminderOptions reminders) =>
        string.IsNullOrWhiteSpace(reminders.StaffAddress) ? null : MailboxAddress.Parse(reminders.StaffAddress);

    private static Task<int> SettleAsync(AppDbContext db, long id, ReminderOutcome outcome, DateTime? sentAt, string recipients, string language, CancellationToken cancellationToken) =>
        db.ExpiryReminders.Where(r => r.Id == id && r.Outcome == ReminderOutcome.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Outcome, outcome).SetProperty(r => r.SentAt, sentAt)
                .SetProperty(r => r.Recipients, recipients).SetProperty(r => r.Language, language)
                .SetProperty(r => r.LeasedUntil, (DateTime?)null).SetProperty(r => r.LeasedBy, ""), cancellationToken);

    private async Task ReleaseAsync(List<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.ExpiryReminders.Where(r => ids.Contains(r.Id) && r.LeasedBy == _node)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeasedUntil, (DateTime?)null).SetProperty(r => r.LeasedBy, ""), cancellationToken);
    }

    /// <summary>When the earliest pending reminder may be tried next (after its back-off, or when another node's lease ends).</summary>
    private async Task<DateTimeOffset?> NextAttemptAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var next = await db.ExpiryReminders.Where(r => r.Outcome == ReminderOutcome.Pending)
            .Select(r => r.LeasedUntil != null && r.LeasedUntil > r.NextAttemptAt ? r.LeasedUntil.Value : r.NextAttemptAt)
            .OrderBy(t => t).Select(t => (DateTime?)t).FirstOrDefaultAsync(cancellationToken);
        return next is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }
}

/// <summary>A reminder step reached: the instance, the expiry date the series is about, and the step (days before; 0 on the day).</summary>
public sealed record ReminderStep(int InstanceId, string InstanceName, string OwnerId, DateOnly ExpiresOn, int DaysBefore);

/// <summary>One instance's reminders as administrators see them on its page; <see cref="Waiting"/> says why a pending one has not gone out.</summary>
public sealed record ReminderEntry(DateOnly ExpiresOn, int DaysBefore, ReminderOutcome Outcome, DateTime ClaimedAt, DateTime? SentAt, string Recipients, int Attempts, string LastError, ReminderWait Waiting);

/// <summary>Why a pending reminder has not gone out yet.</summary>
public enum ReminderWait
{
    /// <summary>Settled (not pending), or due: it goes out at the next check.</summary>
    None,

    /// <summary>No SMTP server is configured: nothing is mailed (the webhook event went out when the step was reached).</summary>
    MailOff,

    /// <summary>Nobody to mail now (the owner's address unconfirmed, removed or opted out; no staff address): sent if that changes while it is due.</summary>
    NoRecipient,

    /// <summary>The SMTP server refused or was away (<see cref="ReminderEntry.Attempts"/>, <see cref="ReminderEntry.LastError"/>): retried.</summary>
    Retrying,
}

/// <summary>Which reminders of an instance went out, and when (or why not yet): administrators only.</summary>
public sealed class ExpiryReminderHistory(IDbContextFactory<AppDbContext> dbFactory, MailSender sender, IOptions<ReminderOptions> options)
{
    public async Task<IReadOnlyList<ReminderEntry>> ForInstanceAsync(Services.PortalActor actor, int instanceId, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdministrator)
        {
            return [];
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = await db.ExpiryReminders.AsNoTracking().Where(r => r.InstanceId == instanceId)
            .OrderByDescending(r => r.ExpiresOn).ThenByDescending(r => r.DaysBefore)
            .Select(r => new ReminderEntry(r.ExpiresOn, r.DaysBefore, r.Outcome, r.ClaimedAt, r.SentAt, r.Recipients, r.Attempts, r.LastError, ReminderWait.None))
            .ToListAsync(cancellationToken);
        if (!entries.Any(e => e.Outcome == ReminderOutcome.Pending))
        {
            return entries;
        }
        // Who the send half would mail now, by its own rule.
        var owner = await db.Instances.AsNoTracking().Where(i => i.Id == instanceId)
            .Select(i => new { i.Owner!.Email, i.Owner.EmailConfirmed, i.Owner.ExpiryRemindersOff, i.Owner.IsActive }).FirstOrDefaultAsync(cancellationToken);
        var somebody = ExpiryReminders.StaffMailbox(options.Value) is not null
            || (owner is not null && ExpiryReminders.OwnerIsReminded(owner.Email, owner.EmailConfirmed, owner.ExpiryRemindersOff, owner.IsActive));
        return entries.Select(e => e.Outcome != ReminderOutcome.Pending ? e : e with
        {
            Waiting = !sender.Enabled ? ReminderWait.MailOff : !somebody ? ReminderWait.NoRecipient : e.Attempts > 0 ? ReminderWait.Retrying : ReminderWait.None,
        }).ToList();
    }
}
