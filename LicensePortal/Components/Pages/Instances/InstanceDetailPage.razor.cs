using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using MudBlazor;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// One instance: its quotas, the host info upload (drag and drop or click), the license download, the host details and
/// the license history. Re-reads itself when the instance changes anywhere.
/// </summary>
public sealed partial class InstanceDetailPage
{
    /// <summary>The file the instance page's agent command writes (<c>hostinfo --out hostinfo.txt</c>): what the upload zone asks for.</summary>
    private const string HostInfoFileName = "hostinfo.txt";

    [Parameter] public string Name { get; set; } = "";
    [CascadingParameter(Name = "ClientAddress")] private string ClientAddress { get; set; } = "";

    [Inject] private InstanceService Instances { get; set; } = default!;
    [Inject] private LicenseService Licenses { get; set; } = default!;
    [Inject] private HostInfoIntake Intake { get; set; } = default!;
    [Inject] private HostBinding Binding { get; set; } = default!;
    [Inject] private InstanceChangeNotifier Notifier { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IJSRuntime Js { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<LicensingOptions> LicensingOptions { get; set; } = default!;

    private PortalActor? _actor;
    private bool _isAdministrator;
    private InstanceRow? _instance;
    private HostDetails? _host;
    private HostBindingView? _binding;
    private IReadOnlyList<LicenseHistoryEntry>? _history;
    private bool _notFound;
    private bool _canChange;
    private bool _busy;
    private string? _uploadMessage;
    private Severity _uploadSeverity;
    private IDisposable? _subscription;

    protected override async Task OnParametersSetAsync()
    {
        _actor ??= await GetActorAsync();
        await LoadAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _subscription = Notifier.Subscribe(_actor!, OnInstanceChangedAsync);
        }
    }

    private Task OnInstanceChangedAsync(InstanceChange change)
    {
        if (_instance is null || change.InstanceId != _instance.Id)
        {
            return Task.CompletedTask;
        }
        _ = InvokeAsync(async () =>
        {
            try
            {
                await LoadAsync();
                StateHasChanged();
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        });
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();

    private async Task LoadAsync()
    {
        var actor = _actor!;
        _instance = await Instances.FindByNameAsync(actor, Name);
        _notFound = _instance is null;
        if (_instance is null)
        {
            return;
        }
        _canChange = InstanceAccess.MayChange(actor, _instance.OwnerId);
        _isAdministrator = actor.IsAdministrator;
        _host = await Licenses.GetHostDetailsAsync(actor, Name);
        _binding = await Binding.GetAsync(actor, Name);
        _history = await Licenses.GetHistoryAsync(actor, Name);
    }

    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }
        _busy = true;
        try
        {
            var limit = LicensingOptions.Value.HostInfoMaxBytes;
            if (file.Size > limit)
            {
                // Refused before a byte is read: the browser's size claim is enough to say no (and a lie is caught below).
                ShowUpload(Severity.Error, Text["HostInfo.TooLarge"]);
                return;
            }
            byte[] bytes;
            try
            {
                await using var stream = file.OpenReadStream(maxAllowedSize: limit);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer);
                bytes = buffer.ToArray();
            }
            catch (IOException)
            {
                ShowUpload(Severity.Error, Text["HostInfo.TooLarge"]);
                return;
            }
            var result = await Intake.UploadAsync(_actor!, Name, bytes);
            if (!result.Succeeded)
            {
                ShowUpload(Severity.Error, string.Join(" ", result.Errors.Select(Message)));
                return;
            }
            var outcome = result.Value!;
            // Accepted (bound, or rebound automatically), a rebind request waiting for approval, or rejected with the reason.
            ShowUpload(outcome.Accepted ? Severity.Success : outcome.Pending ? Severity.Info : Severity.Error,
                outcome.ReasonCode is null ? Text[outcome.MessageCode] : Text["HostInfo.Rejected", ReasonText(outcome.ReasonCode) ?? ""]);
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task DownloadAsync()
    {
        _busy = true;
        try
        {
            var result = await Licenses.GenerateAsync(_actor!, Name, ClientAddress);
            if (!result.Succeeded)
            {
                Snackbar.Add(string.Join(" ", result.Errors.Select(Message)), Severity.Error);
                await LoadAsync();
                return;
            }
            var file = result.Value!;
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(file.FileText));
            using var reference = new DotNetStreamReference(stream);
            await Js.InvokeVoidAsync("licensePortal.saveFile", file.FileName, reference);
            Snackbar.Add(Text[file.NewRevision ? "License.DownloadedNew" : "License.Downloaded", file.Revision], Severity.Success);
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task ResetAsync()
    {
        var result = await Licenses.ResetDownloadErrorAsync(_actor!, Name);
        if (!result.Succeeded)
        {
            Snackbar.Add(string.Join(" ", result.Errors.Select(Message)), Severity.Error);
        }
        await LoadAsync();
    }

    private void ShowUpload(Severity severity, string message)
    {
        _uploadSeverity = severity;
        _uploadMessage = message;
    }

    /// <summary>A stored reason code ("HostInfo.BadCheckCode") in the UI language; unknown codes are shown as they are.</summary>
    private string? ReasonText(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return null;
        }
        var text = Text[code];
        // Never the key on the screen (StatusReasons does the same for the stored reason).
        return text.ResourceNotFound ? Text["Status.ReasonUnknown"] : text.Value;
    }
}
