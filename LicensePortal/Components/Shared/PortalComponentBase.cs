using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Components.Shared;

/// <summary>What every portal page needs: who is signed in, and the localized text of a service's field errors.</summary>
public abstract class PortalComponentBase : ComponentBase
{
    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>The browser's address (Routes.razor cascades it), recorded in the audit trail with this page's changes.</summary>
    [CascadingParameter(Name = "ClientAddress")]
    private string? AuditClientAddress { get; set; }

    [Inject]
    protected IStringLocalizer<SharedResource> Text { get; set; } = default!;

    /// <summary>The signed-in actor. Pages are behind [Authorize], so there is always one.</summary>
    protected async Task<PortalActor> GetActorAsync()
    {
        var state = AuthenticationState is null ? null : await AuthenticationState;
        return (state is null ? null : PortalActor.From(state.User, AuditClientAddress))
            ?? throw new InvalidOperationException("This page requires a signed-in user.");
    }

    /// <summary>The message for one field error, in the UI language.</summary>
    protected string Message(FieldError error) => error.Arguments.Length == 0 ? Text[error.Code] : Text[error.Code, error.Arguments];

    /// <summary>Field name to message, for showing each error next to its field; errors without a field go under "".</summary>
    protected Dictionary<string, string> ByField(IEnumerable<FieldError> errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(Message)));
}
