using System.Globalization;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// The host agent on the instance page: a link to <see cref="AgentDownloads.DownloadPath"/> with the file's SHA-256 and
/// size, and the exact commands for this instance (check the download, hostinfo, install, activate, check). Where no
/// agent has been published, the command an administrator runs to publish one.
/// </summary>
public sealed partial class HostAgentPanel
{
    [Parameter, EditorRequired]
    public string InstanceName { get; set; } = "";

    /// <summary>The owner or an administrator: the activation token is made on this page by them.</summary>
    [Parameter]
    public bool CanChange { get; set; }

    /// <summary>Administrators see how to publish the agent (with the server's directory); customers are told to ask them.</summary>
    [Parameter]
    public bool ShowPublishCommand { get; set; }

    [Inject] private AgentDownloads Agents { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private AgentDownloadInfo _agent = AgentDownloadInfo.None;
    private IReadOnlyList<AgentStep> _steps = [];
    private string _publishCommand = "";

    /// <summary>One command of the panel: its id (for the page and tests), what it does, the command line, a note under it.</summary>
    private sealed record AgentStep(string Id, string Label, string Text, string Command, string? Help = null);

    protected override void OnParametersSet()
    {
        _agent = Agents.Describe();
        _publishCommand = Agents.PublishCommand;
        _steps = _agent.Published ? Steps(_agent.Sha256!) : [];
    }

    private List<AgentStep> Steps(string sha256)
    {
        const string Agent = "./" + AgentDownloads.PublishedFileName;
        var server = Navigation.BaseUri.TrimEnd('/');
        var name = InstanceName;
        return
        [
            new("verify", Text["Agent.VerifyLabel"], Text["Agent.VerifyStep", AgentDownloads.DownloadFileName],
                $"echo \"{sha256}  {AgentDownloads.DownloadFileName}\" | sha256sum -c - && install -m 0755 {AgentDownloads.DownloadFileName} {AgentDownloads.PublishedFileName}"),
            new("hostinfo", Text["Agent.HostInfoLabel"], Text["Agent.HostInfoStep"],
                $"sudo {Agent} hostinfo --instance {name} --out hostinfo.txt", Text["Agent.HostInfoHelp"]),
            new("install", Text["Agent.InstallLabel"], Text["Agent.InstallStep", name + Endpoints.LicenseEndpoints.LicenseSuffix],
                $"sudo {Agent} install --license {name}{Endpoints.LicenseEndpoints.LicenseSuffix}"),
            new("activate", Text["Agent.ActivateLabel"], Text["Agent.ActivateStep"],
                $"sudo {Agent} activate --server {server} --instance {name} --token TOKEN",
                CanChange ? Text["Agent.TokenHelpOwner"] : Text["Agent.TokenHelpStaff"]),
            new("check", Text["Agent.CheckLabel"], Text["Agent.CheckStep"],
                $"{Agent} check --desktops N --images N --users N --vcpus N --vmem N --vdisk N", Text["Agent.CheckHelp"]),
        ];
    }

    /// <summary>"7.3 MiB (7,654,321 bytes)" in the UI culture; KiB below one MiB.</summary>
    private string SizeText => _agent.Size >= 1048576
        ? string.Format(CultureInfo.CurrentCulture, "{0:0.0} MiB ({1:N0} {2})", _agent.Size / 1048576.0, _agent.Size, Text["Agent.Bytes"])
        : string.Format(CultureInfo.CurrentCulture, "{0:0.0} KiB ({1:N0} {2})", _agent.Size / 1024.0, _agent.Size, Text["Agent.Bytes"]);
}
