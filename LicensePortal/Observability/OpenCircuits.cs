using Microsoft.AspNetCore.Components.Server.Circuits;

namespace LicensePortal.Observability;

/// <summary>Counts this node's open circuits for <c>licenseportal_open_circuits</c>.</summary>
public sealed class OpenCircuits(PortalMetrics metrics) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitOpened();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitClosed();
        return Task.CompletedTask;
    }
}
