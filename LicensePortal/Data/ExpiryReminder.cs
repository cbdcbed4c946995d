namespace LicensePortal.Data;

/// <summary>
/// One expiry reminder of one instance: <see cref="DaysBefore"/> days before <see cref="ExpiresOn"/> (0: on the day).
/// The row is the claim: inserted once (unique on instance, expiry date, step) when the step is reached, with the
/// <c>instance.expiring</c> webhook event, whether or not anybody can be mailed, so restarts and other nodes never reach
/// the step again; a new expiry date is a new series. It stays unsent while the SMTP server refuses or is away, nobody
/// can be mailed or mail is off, and is tried again (<see cref="NextAttemptAt"/>) while its step is due.
/// </summary>
public sealed class ExpiryReminder
{
    public long Id { get; set; }

    public int InstanceId { get; set; }

    public Instance? Instance { get; set; }

    /// <summary>The expiry date the reminder is about; another date starts a new series.</summary>
    public DateOnly ExpiresOn { get; set; }

    /// <summary>The step: days before the expiry date (one of Reminders:DaysBefore), 0 for the day itself.</summary>
    public int DaysBefore { get; set; }

    public DateTime ClaimedAt { get; set; }

    public ReminderOutcome Outcome { get; set; } = ReminderOutcome.Pending;

    /// <summary>When the SMTP server accepted the message; null while it has not.</summary>
    public DateTime? SentAt { get; set; }

    /// <summary>Who it went to (the owner's address, the staff address), comma-separated, as sent.</summary>
    public string Recipients { get; set; } = "";

    /// <summary>The language it was written in.</summary>
    public string Language { get; set; } = "";

    /// <summary>Failed attempts so far (each one waits longer before the next).</summary>
    public int Attempts { get; set; }

    /// <summary>The earliest time the next attempt may start.</summary>
    public DateTime NextAttemptAt { get; set; }

    /// <summary>The last failure's message (the SMTP server's answer or the connection error), for administrators.</summary>
    public string LastError { get; set; } = "";

    /// <summary>A node sending it now holds it until then; another node takes it over only after that (a node that died).</summary>
    public DateTime? LeasedUntil { get; set; }

    public string LeasedBy { get; set; } = "";
}

/// <summary>Where a claimed reminder stands.</summary>
public enum ReminderOutcome
{
    /// <summary>Not yet accepted by the SMTP server: tried again at <see cref="ExpiryReminder.NextAttemptAt"/> while its step is due.</summary>
    Pending,

    /// <summary>The SMTP server accepted it (<see cref="ExpiryReminder.SentAt"/>).</summary>
    Sent,

    /// <summary>Not sent: its step ended with nobody to send it to (the owner's address unconfirmed, removed or opted out; no staff address).</summary>
    NoRecipient,

    /// <summary>Not sent: the expiry date changed or a later step was due before it could go (mail off, the SMTP server away), which is sent instead.</summary>
    Superseded,
}
