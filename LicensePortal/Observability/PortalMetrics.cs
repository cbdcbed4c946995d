using System.Diagnostics.Metrics;

namespace LicensePortal.Observability;

/// <summary>
/// The portal's own counters, under the meter "LicensePortal". The Prometheus exporter turns the names into
/// <c>licenseportal_licenses_issued_total</c> and so on (dots to underscores, <c>_total</c> on counters). Services call
/// these after the change they count is saved, so a refused or rolled-back request is never counted as done.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "LicensePortal";

    private readonly Counter<long> _licensesIssued;
    private readonly Counter<long> _downloads;
    private readonly Counter<long> _hostInfoUploads;
    // Observed rather than pushed, so both series are exported (as 0) before the first circuit or message: a dashboard
    // and an alert see "none", not "no data".
    private long _relaySent;
    private long _relayReceived;
    private long _openCircuits;

    public PortalMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _licensesIssued = meter.CreateCounter<long>("licenseportal.licenses.issued", description: "License revisions issued (a new file for a host).");
        _downloads = meter.CreateCounter<long>("licenseportal.license.downloads", description: "License files served, by customers and vendor staff.");
        _hostInfoUploads = meter.CreateCounter<long>("licenseportal.hostinfo.uploads", description: "Host info files received, by result and reason.");
        meter.CreateObservableCounter("licenseportal.relay.messages", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _relaySent), new KeyValuePair<string, object?>("direction", "sent")),
            new Measurement<long>(Interlocked.Read(ref _relayReceived), new KeyValuePair<string, object?>("direction", "received")),
        }, description: "Live-update messages between portal nodes.");
        meter.CreateObservableUpDownCounter("licenseportal.open_circuits", () => Interlocked.Read(ref _openCircuits),
            description: "Open Blazor circuits (interactive pages) on this node.");
    }

    public void LicenseIssued() => _licensesIssued.Add(1);

    public void LicenseServed() => _downloads.Add(1);

    /// <summary>
    /// A host info file judged: <paramref name="reason"/> is null when it was accepted, else the resource key of why not
    /// ("HostInfo.OtherInstance", "HostInfo.TooLarge"...), a closed set the code defines, never the caller's text.
    /// </summary>
    public void HostInfoUploaded(string? reason) =>
        _hostInfoUploads.Add(1, new KeyValuePair<string, object?>("result", reason is null ? "accepted" : "rejected"), new KeyValuePair<string, object?>("reason", reason ?? ""));

    /// <summary><paramref name="direction"/>: "sent" or "received".</summary>
    public void RelayMessages(string direction, int count) =>
        Interlocked.Add(ref direction == "sent" ? ref _relaySent : ref _relayReceived, count);

    public void CircuitOpened() => Interlocked.Increment(ref _openCircuits);

    public void CircuitClosed() => Interlocked.Decrement(ref _openCircuits);
}
