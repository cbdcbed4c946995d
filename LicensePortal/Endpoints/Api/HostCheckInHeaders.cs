using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// The host agent's check-in on <c>POST /api/v1/instances/{name}/license</c> (what <c>activate</c> and <c>renew</c> call):
/// <c>X-Agent-Version</c> (1-64 printable ASCII characters) and, when a license is installed, <c>X-Installed-Revision</c>
/// (a non-negative integer). A request without <c>X-Agent-Version</c> is no check-in. The host is untrusted: a malformed,
/// repeated or lone revision header refuses the whole request with 400 before anything is written or downloaded.
/// </summary>
public static class HostCheckInHeaders
{
    public const string AgentVersion = "X-Agent-Version";
    public const string InstalledRevision = "X-Installed-Revision";

    // Header names as problem fields: lower case, as HTTP/2 writes them.
    private const string AgentVersionField = "x-agent-version";
    private const string InstalledRevisionField = "x-installed-revision";

    /// <summary>Records the request's check-in, if it carries one; the problem to answer instead when its headers are malformed.</summary>
    public static async Task<IResult?> RecordAsync(HttpContext context, string instanceName, HostCheckInService checkIns, IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(checkIns);
        var (report, error) = Read(context.Request.Headers);
        if (error is not null)
        {
            return ApiProblems.Problem(text, StatusCodes.Status400BadRequest, error);
        }
        if (report is not null)
        {
            // Before the download, so that a refused download still counts as the host being seen.
            await checkIns.RecordAsync(ApiEndpoints.Actor(context), instanceName, report, cancellationToken);
        }
        return null;
    }

    /// <summary>The report in <paramref name="headers"/> (null when there is none), or the error that refuses them.</summary>
    public static (HostCheckInReport? Report, FieldError? Error) Read(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var versions = headers[AgentVersion];
        var revisions = headers[InstalledRevision];
        if (versions.Count == 0)
        {
            return revisions.Count == 0 ? (null, null) : (null, new FieldError(AgentVersionField, "Error.Required"));
        }
        if (versions.Count != 1 || !HostCheckInRules.IsValidAgentVersion(versions[0]))
        {
            return (null, new FieldError(AgentVersionField, "CheckIn.InvalidAgentVersion", HostCheckInRules.MaxAgentVersionLength));
        }
        int? revision = null;
        if (revisions.Count > 0)
        {
            if (revisions.Count != 1 || !HostCheckInRules.TryParseRevision(revisions[0], out var parsed))
            {
                return (null, new FieldError(InstalledRevisionField, "CheckIn.InvalidRevision"));
            }
            revision = parsed;
        }
        return (new HostCheckInReport(versions[0]!, revision), null);
    }
}
