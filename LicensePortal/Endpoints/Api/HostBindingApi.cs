using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints.Api;

/// <summary>
/// /api/v1/instances/{name}/pending-host and /host-identifier-tolerance: an administrator approves or denies a rebind
/// request (a host info file for another host key, which leaves the instance on its host until then) and sets how many
/// host identifiers a license lets go missing. The rules are <see cref="HostBinding"/>'s; answers are the instance with
/// its host binding (as GET /instances/{name}).
/// </summary>
public static class HostBindingApi
{
    public static void MapHostBindingApi(this RouteGroupBuilder api)
    {
        var instance = api.MapGroup("/instances/{name}").WithTags("Host binding");
        instance.MapPost("/pending-host/approve", ApproveAsync).WithName("ApprovePendingHost")
            .WithSummary("Bind the instance to its pending host (administrators); the next license is for that host.")
            .WithDescription("Applies the pending host info exactly as an accepted upload (TODOWNLOAD, or EXPIRED) and clears it. " +
                "Body (optional): {\"fingerprint\": \"...\"}, the pending host key fingerprint the decision is about. " +
                "404: no such instance; 403: not an administrator; 409 HostBinding.NoPendingHost: nothing pending; " +
                "409 HostBinding.PendingHostChanged: another host is pending by now.")
            .Produces<InstanceDetailDto>().ProducesProblem(StatusCodes.Status409Conflict);
        instance.MapPost("/pending-host/deny", DenyAsync).WithName("DenyPendingHost")
            .WithSummary("Turn the pending host down (administrators); the instance stays on its host.")
            .WithDescription("Body and answers as approve.")
            .Produces<InstanceDetailDto>().ProducesProblem(StatusCodes.Status409Conflict);
        instance.MapPut("/host-identifier-tolerance", SetToleranceAsync).WithName("SetHostIdentifierTolerance")
            .WithSummary("How many recorded host identifiers a license lets go missing: 0 (strict) to 4 (administrators).")
            .WithDescription("Body: {\"hostIdentifierTolerance\": N}. The next license carries it. 422 HostBinding.ToleranceOutOfRange: outside 0..4, nothing changed.")
            .Produces<InstanceDetailDto>().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> ApproveAsync(string name, [FromBody] PendingHostDecisionRequest? body, HttpContext context, HostBinding binding,
        IStringLocalizer<SharedResource> text, CancellationToken cancellationToken) =>
        Answer(text, await binding.ApproveAsync(ApiEndpoints.Actor(context), name, body?.Fingerprint, cancellationToken));

    private static async Task<IResult> DenyAsync(string name, [FromBody] PendingHostDecisionRequest? body, HttpContext context, HostBinding binding,
        IStringLocalizer<SharedResource> text, CancellationToken cancellationToken) =>
        Answer(text, await binding.DenyAsync(ApiEndpoints.Actor(context), name, body?.Fingerprint, cancellationToken));

    private static async Task<IResult> SetToleranceAsync(string name, [FromBody] HostIdentifierToleranceRequest body, HttpContext context, HostBinding binding,
        IStringLocalizer<SharedResource> text, CancellationToken cancellationToken)
    {
        if (body.HostIdentifierTolerance is not { } tolerance)
        {
            return ApiProblems.Problem(text, StatusCodes.Status422UnprocessableEntity, "Error.Required", "hostIdentifierTolerance");
        }
        return Answer(text, await binding.SetToleranceAsync(ApiEndpoints.Actor(context), name, tolerance, cancellationToken));
    }

    private static IResult Answer(IStringLocalizer<SharedResource> text, ServiceResult<HostBindingView> result) =>
        result.Succeeded ? TypedResults.Ok(InstanceDetailDto.From(result.Value!)) : ApiProblems.From(text, result);
}
