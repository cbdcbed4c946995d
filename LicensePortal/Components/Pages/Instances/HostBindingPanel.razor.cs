using System.Globalization;
using LicensePortal.Components.Shared;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// The host binding on the instance page. The page reads <see cref="View"/> (again whenever the instance changes, so a
/// rebind request shows up live); this panel shows it and hands the administrator's choices to <see cref="HostBinding"/>.
/// </summary>
public sealed partial class HostBindingPanel
{
    /// <summary>The instance's host binding as the viewer may see it. Required.</summary>
    [Parameter, EditorRequired]
    public HostBindingView View { get; set; } = default!;

    /// <summary>Called after a change made here, so the page reads the instance again.</summary>
    [Parameter]
    public EventCallback Changed { get; set; }

    [Inject] private HostBinding Binding { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private HostBindingView _view = default!;
    private PortalActor? _actor;
    private bool _isAdministrator;
    private bool _seesEverything;
    private bool _busy;

    protected override async Task OnParametersSetAsync()
    {
        _view = View;
        _actor ??= await GetActorAsync();
        _isAdministrator = _actor.IsAdministrator;
        _seesEverything = _actor.SeesEverything;
    }

    /// <summary>"Strict: every identifier" for 0, "All but N" otherwise.</summary>
    private string ToleranceLabel(int tolerance) => tolerance == 0 ? Text["HostBinding.Strict"] : Text["HostBinding.AllBut", tolerance];

    private static string Shown(DateTime at) => Dates.TimeUtc(at);

    private async Task ToleranceChangedAsync(ChangeEventArgs e)
    {
        // A value that is not a number goes to the service as -1, which refuses it with its message.
        var tolerance = int.TryParse(e.Value as string, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
        await RunAsync(() => Binding.SetToleranceAsync(_actor!, _view.Instance.Name, tolerance), "HostBinding.ToleranceSaved");
    }

    private async Task ApproveAsync()
    {
        var pending = _view.Pending!;
        if (await ConfirmAsync("HostBinding.ApproveTitle", Text["HostBinding.ApproveConfirm", _view.Instance.Name, pending.HostKeyFingerprint], "HostBinding.Approve"))
        {
            await RunAsync(() => Binding.ApproveAsync(_actor!, _view.Instance.Name, pending.HostKeyFingerprint), "HostBinding.Approved");
        }
    }

    private async Task DenyAsync()
    {
        var pending = _view.Pending!;
        if (await ConfirmAsync("HostBinding.DenyTitle", Text["HostBinding.DenyConfirm", _view.Instance.Name], "HostBinding.Deny"))
        {
            await RunAsync(() => Binding.DenyAsync(_actor!, _view.Instance.Name, pending.HostKeyFingerprint), "HostBinding.Denied");
        }
    }

    private async Task<bool> ConfirmAsync(string title, string message, string yes) =>
        await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = Text[title],
            Message = message,
            YesText = Text[yes],
            CancelText = Text["Common.Cancel"],
        }) == true;

    /// <summary>Runs one change: its message on success, the service's reasons otherwise; the page reads the instance again either way.</summary>
    private async Task RunAsync(Func<Task<ServiceResult<HostBindingView>>> change, string done)
    {
        _busy = true;
        try
        {
            var result = await change();
            Snackbar.Add(result.Succeeded ? Text[done] : string.Join(" ", result.Errors.Select(Message)), result.Succeeded ? Severity.Success : Severity.Error);
            if (result.Value is { } view)
            {
                _view = view; // at once; the page's next read (Changed, or the change notification) brings the same
            }
            await Changed.InvokeAsync();
        }
        finally
        {
            _busy = false;
        }
    }
}
