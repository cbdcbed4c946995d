using System.Globalization;
using LicensePortal.Services;

namespace LicensePortal.Endpoints;

/// <summary>GET /audit/export.csv: the audit trail as CSV, administrators only, with the page's filters as query string.</summary>
public static class AuditEndpoints
{
    public static WebApplication MapAuditEndpoints(this WebApplication app)
    {
        app.MapGet("/audit/export.csv", ExportAsync).RequireAuthorization(PortalSetup.AdministratorsPolicy).RefuseUnstorableText().ExcludeFromDescription();
        return app;
    }

    private static async Task ExportAsync(HttpContext context, AuditService audit, TimeProvider time,
        string? action, string? target, string? targetType, string? actor, string? from, string? to, CancellationToken cancellationToken)
    {
        var query = new AuditQuery
        {
            ActionPrefix = action,
            TargetType = targetType,
            TargetKey = target,
            ActorUserName = actor,
            From = ParseDate(from),
            To = ParseDate(to)?.AddDays(1),
        };
        var caller = PortalActor.From(context.User, LicenseEndpoints.RemoteAddress(context))!;
        var stamp = time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{stamp}.csv\"";
        await audit.ExportCsvAsync(caller, query, context.Response.Body, cancellationToken);
    }

    private static DateTime? ParseDate(string? value) =>
        DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date)
            ? DateTime.SpecifyKind(date, DateTimeKind.Utc) : null;
}
