namespace LicensePortal.Options;

/// <summary>Configuration section "Reminders": expiry reminders to an instance's owner (and staff).</summary>
public sealed class ReminderOptions
{
    public const string Section = "Reminders";

    public static readonly int[] DefaultDaysBefore = [30, 7, 1];

    /// <summary>
    /// How many days before the expiry date a reminder goes out; one more always goes on the day itself. Null by
    /// default because the configuration binder appends configured array values to a non-empty default: the effective
    /// list is <see cref="Steps"/>.
    /// </summary>
    public int[]? DaysBefore { get; set; }

    /// <summary>Also sent every reminder (in the portal's default language, as a blind copy when the owner gets it too). Empty: owners only.</summary>
    public string StaffAddress { get; set; } = "";

    /// <summary>How often a node looks for reminders that are due (and retries those the SMTP server did not take).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after the first failed attempt (the SMTP server away or refusing) the next starts; doubled after each, up to an hour.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The steps, largest first, ending with 0 (the day itself); duplicates and negatives dropped.</summary>
    public IReadOnlyList<int> Steps =>
        (DaysBefore is { Length: > 0 } days ? days : DefaultDaysBefore).Where(d => d > 0).Append(0).Distinct().OrderDescending().ToList();

    public static bool IsValid(ReminderOptions o) =>
        (o.DaysBefore ?? []).All(d => d is > 0 and <= 366)
        && o.CheckInterval > TimeSpan.Zero && o.RetryDelay > TimeSpan.Zero
        && (string.IsNullOrWhiteSpace(o.StaffAddress) || MimeKit.MailboxAddress.TryParse(o.StaffAddress, out _));
}
