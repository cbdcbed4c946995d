using System.Globalization;
using System.Text.Json;
using LicensePortal.Data;

namespace LicensePortal.Services.Webhooks;

/// <summary>
/// The webhook events and their bodies, written to the outbox (<see cref="WebhookEvent"/>) in the same save as the change
/// they report, by the service that saves it. A body names ids and values only: never a secret, host info or license text.
/// </summary>
public static class WebhookEvents
{
    public const string InstanceStateChanged = "instance.state_changed";
    public const string HostInfoAccepted = "hostinfo.accepted";
    public const string HostInfoRejected = "hostinfo.rejected";
    public const string LicenseIssued = "license.issued";
    public const string InstanceExpiring = "instance.expiring";

    public static IReadOnlyList<string> All { get; } = [InstanceStateChanged, HostInfoAccepted, HostInfoRejected, LicenseIssued, InstanceExpiring];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>An event with its body; the caller adds it to the save that makes the change (or hands it to the download writer).</summary>
    public static WebhookEvent Create(string type, DateTime at, object data)
    {
        var id = Guid.NewGuid();
        var occurred = DateTime.SpecifyKind(at, DateTimeKind.Utc);
        var body = JsonSerializer.Serialize(new
        {
            Id = id,
            Type = type,
            OccurredAt = occurred.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            Data = data,
        }, Json);
        return new WebhookEvent { EventId = id, Type = type, Body = body, OccurredAt = occurred };
    }

    /// <summary>Tracks <paramref name="webhookEvent"/> in <paramref name="db"/>: the caller's SaveChanges commits it with the change.</summary>
    public static void Add(AppDbContext db, WebhookEvent webhookEvent) => db.WebhookEvents.Add(webhookEvent);

    private static object Of(Instance i) => new { i.Id, i.Name };

    /// <summary>The instance's state moved (nothing when it did not).</summary>
    public static WebhookEvent? StateChanged(Instance instance, InstanceStatus from, DateTime at) =>
        instance.Status == from ? null : Create(InstanceStateChanged, at, new
        {
            Instance = Of(instance),
            From = from.ToString(),
            To = instance.Status.ToString(),
            Reason = instance.StatusReason,
        });

    /// <summary>The instance's state moved from <paramref name="from"/> (as stored) to <paramref name="to"/> (the sweep, which has no entity).</summary>
    public static WebhookEvent StateChanged(int instanceId, string instanceName, string from, InstanceStatus to, string reason, DateTime at) =>
        Create(InstanceStateChanged, at, new { Instance = new { Id = instanceId, Name = instanceName }, From = from, To = to.ToString(), Reason = reason });

    /// <summary>
    /// For the expiry reminders: adds an <c>instance.expiring</c> event to <paramref name="db"/>, so the caller's save
    /// commits it with whatever records the reminder (sent once per reminder, as the reminder is).
    /// </summary>
    public static WebhookEvent AddExpiring(AppDbContext db, Instance instance, int daysLeft, DateTime at)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(instance);
        var e = Expiring(instance.Id, instance.Name, instance.ExpiresOn, daysLeft, at);
        db.WebhookEvents.Add(e);
        return e;
    }

    public static WebhookEvent Accepted(Instance instance, HostInfoBinding binding, DateTime at) => Create(HostInfoAccepted, at, new
    {
        Instance = Of(instance),
        Status = instance.Status.ToString(),
        Binding = binding.ToString(),
    });

    public static WebhookEvent Rejected(Instance instance, string reason, DateTime at) => Create(HostInfoRejected, at, new
    {
        Instance = Of(instance),
        Status = instance.Status.ToString(),
        Reason = reason,
    });

    public static WebhookEvent Issued(Instance instance, LicenseRecord license, DateTime at) => Create(LicenseIssued, at, new
    {
        Instance = Of(instance),
        license.Revision,
        license.VendorKeyId,
        ExpiresOn = instance.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ByStaff = license.IssuedByStaff,
    });

    /// <summary>The instance expires on <paramref name="expiresOn"/>, <paramref name="daysLeft"/> days from <paramref name="at"/>.</summary>
    public static WebhookEvent Expiring(int instanceId, string instanceName, DateOnly expiresOn, int daysLeft, DateTime at) => Create(InstanceExpiring, at, new
    {
        Instance = new { Id = instanceId, Name = instanceName },
        ExpiresOn = expiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DaysLeft = daysLeft,
    });
}
