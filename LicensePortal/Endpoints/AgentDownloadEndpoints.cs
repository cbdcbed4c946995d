using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.Extensions.Localization;
using Microsoft.Net.Http.Headers;

namespace LicensePortal.Endpoints;

/// <summary>
/// <c>GET /downloads/agent/licenseportal-agent-linux-x64</c>: the host agent an administrator published into
/// <c>Agent:DownloadDirectory</c>, for signed-in users. Any other name under /downloads/agent/ is a 404: the file
/// served is fixed, nothing in the URL reaches the file system.
/// </summary>
public static class AgentDownloadEndpoints
{
    public const string Prefix = "/downloads/agent";

    public static IEndpointRouteBuilder MapAgentDownloadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "/{**fileName}", Download).RequireAuthorization();
        return app;
    }

    private static IResult Download(string? fileName, AgentDownloads agents, IStringLocalizer<SharedResource> text)
    {
        if (!string.Equals(fileName, AgentDownloads.DownloadFileName, StringComparison.Ordinal))
        {
            return LicenseEndpoints.Problem(text, StatusCodes.Status404NotFound, new FieldError("fileName", "Agent.UnknownFile", AgentDownloads.DownloadFileName));
        }
        var download = agents.Open();
        if (download is null)
        {
            return LicenseEndpoints.Problem(text, StatusCodes.Status404NotFound, new FieldError("", "Agent.NotPublished"));
        }
        var info = download.Info;
        // The stream result disposes the file stream when the response ends; If-None-Match and Range are answered from the ETag.
        return TypedResults.Stream(download.Stream, "application/octet-stream", AgentDownloads.DownloadFileName,
            lastModified: info.LastWriteUtc is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null,
            entityTag: new EntityTagHeaderValue($"\"{info.Sha256}\""),
            enableRangeProcessing: true);
    }
}
