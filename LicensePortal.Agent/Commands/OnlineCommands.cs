using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>
/// Online mode. <c>activate --server URL --instance NAME --token TOKEN</c>: host key (created on first use), host info
/// upload, license download, verification, installation. <c>renew</c>: the latest revision with what activate remembered.
/// Both check in: the license request carries the agent's version and the installed revision (<see cref="CheckInReport"/>).
/// </summary>
public static class OnlineCommands
{
    /// <summary>Attempts per request: the first one plus retries after connection errors, 5xx, 408 and 429.</summary>
    public const int MaxAttempts = 5;

    /// <summary>The longest wait between attempts, also for a larger Retry-After.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    /// <summary>Creates the activate command.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The command.</returns>
    public static Command CreateActivate(AgentContext context) => Create(context, activate: true);

    /// <summary>Creates the renew command.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The command.</returns>
    public static Command CreateRenew(AgentContext context) => Create(context, activate: false);

    private static Command Create(AgentContext context, bool activate)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stateDir = CommonOptions.StateDir();
        var server = new Option<string?>("--server") { Description = "Portal base URL, e.g. https://license.example.com (remembered; http only for localhost, 127.0.0.0/8 and ::1).", Required = activate };
        var instance = new Option<string?>("--instance") { Description = "The portal instance name (remembered).", Required = activate };
        var token = new Option<string?>("--token") { Description = "Activation token from the instance page (remembered, mode 0600).", Required = activate };
        var command = activate
            ? new Command("activate", "Upload this host's info to the portal, download the license, verify and install it. Exit 0 if installed.")
            : new Command("renew", "Download the latest license revision from the portal (as remembered by activate), verify and install it.");
        command.Options.Add(stateDir);
        command.Options.Add(server);
        command.Options.Add(instance);
        command.Options.Add(token);
        command.SetAction((parse, cancellationToken) => context.GuardAsync(async () =>
        {
            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var remembered = state.LoadServerConfig();
            var config = new ServerConfig(
                parse.GetValue(server) ?? remembered?.Server ?? throw new AgentException(ExitCodes.Usage, "--server is required (nothing remembered yet: run activate)."),
                parse.GetValue(instance) ?? remembered?.Instance ?? throw new AgentException(ExitCodes.Usage, "--instance is required."),
                parse.GetValue(token) ?? remembered?.Token ?? throw new AgentException(ExitCodes.Usage, "--token is required."));
            if (!Uri.TryCreate(config.Server.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
            {
                throw new AgentException(ExitCodes.Usage, $"--server '{config.Server}' is not an http(s) URL.");
            }
            if (baseUri.Scheme == Uri.UriSchemeHttp && !IsLoopback(baseUri))
            {
                // The bearer token goes out and the license comes back: never in clear text over a network.
                throw new AgentException(ExitCodes.Usage,
                    $"--server '{config.Server}' uses http: the agent sends the activation token and receives the license only over https. " +
                    "Use the portal's https:// URL (plain http is accepted only for a portal on this host: localhost, 127.0.0.0/8, ::1).");
            }
            if (!TextInputRules.IsValidInstanceName(config.Instance))
            {
                throw new AgentException(ExitCodes.Usage, "--instance must be 1-64 printable characters without leading or trailing spaces.");
            }

            var identity = CommonOptions.ReadIdentity(context.Environment);
            _ = TrustAnchor.Require(context.Environment); // refuse before talking to the server if nothing could verify the answer
            var hostKey = activate ? state.LoadOrCreateHostKey(out var created) : state.LoadHostKey();
            using var http = context.Environment.HttpHandler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
            http.BaseAddress = baseUri;
            http.Timeout = TimeSpan.FromSeconds(60);
            var client = new PortalClient(http, config.Token, context, cancellationToken);

            var path = "api/v1/instances/" + Uri.EscapeDataString(config.Instance);

            if (activate)
            {
                var hostInfo = HostInfoFile.Write(config.Instance, identity.Mac, identity.SerialNumber, hostKey, context.Environment.Time.GetUtcNow(), identity.Identifiers);
                await client.PostAsync(path + "/hostinfo", () => new StringContent(hostInfo, Encoding.UTF8, "text/plain"));
                context.Out.WriteLine($"Uploaded host info for instance '{config.Instance}' (MAC {identity.Mac}, serial '{identity.SerialNumber}').");
                if (client.LastStatus == HttpStatusCode.Accepted)
                {
                    // Another host is bound to the instance: this one is a rebind request until an administrator approves it.
                    state.SaveServerConfig(config);
                    throw new AgentException(ExitCodes.PendingApproval,
                        $"Instance '{config.Instance}' is bound to another host: this host waits for an administrator's approval. Once approved, run: licenseportal-agent renew");
                }
            }
            var license = await client.PostAsync(path + "/license", () => null, CheckInReport.For(state, config.Instance).AddTo);
            state.SaveServerConfig(config);
            InstallCommand.VerifyAndInstall(context, state, license);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Whether the URL's host is this machine: "localhost", 127.0.0.0/8 or ::1 (a name that merely resolves there is not).</summary>
    private static bool IsLoopback(Uri uri) =>
        string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase)
        || ((uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6) && IPAddress.TryParse(uri.IdnHost, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Calls the portal with the bearer token, retrying transient failures with exponential backoff.</summary>
    private sealed class PortalClient(HttpClient http, string token, AgentContext context, CancellationToken cancellationToken)
    {
        /// <summary>The status of the latest successful answer (202: the portal holds the host info for approval).</summary>
        public HttpStatusCode LastStatus { get; private set; }

        public Task<string> PostAsync(string path, Func<HttpContent?> content, Action<HttpRequestHeaders>? headers = null) => SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content() };
            headers?.Invoke(request.Headers);
            return request;
        }, authenticated: true);

        private async Task<string> SendAsync(Func<HttpRequestMessage> build, bool authenticated)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var request = build();
                if (authenticated)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
                TimeSpan? retryAfter = null;
                string failure;
                try
                {
                    using var response = await http.SendAsync(request, cancellationToken);
                    var body = await ReadCappedAsync(response, cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        LastStatus = response.StatusCode;
                        return body;
                    }
                    failure = $"{(int)response.StatusCode} {Describe(body)}";
                    if (!IsTransient(response.StatusCode))
                    {
                        throw new AgentException(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ExitCodes.NotSetUp : ExitCodes.Environment,
                            $"{request.Method} {request.RequestUri}: {failure}");
                    }
                    retryAfter = response.Headers.RetryAfter?.Delta
                        ?? (response.Headers.RetryAfter?.Date is { } date ? date - context.Environment.Time.GetUtcNow() : null);
                }
                catch (HttpRequestException ex)
                {
                    failure = ex.Message;
                }
                catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = "timed out: " + ex.Message;
                }
                if (attempt >= MaxAttempts)
                {
                    throw new AgentException(ExitCodes.Environment, $"{request.Method} {request.RequestUri} failed after {attempt} attempts: {failure}");
                }
                var backoff = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
                var delay = retryAfter is { } ra && ra > backoff ? ra : backoff;
                delay = delay > MaxDelay ? MaxDelay : delay;
                context.Err.WriteLine($"warning: {request.Method} {request.RequestUri}: {failure}; retrying in {delay.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s ({attempt}/{MaxAttempts - 1})");
                await context.Environment.Delay(delay, cancellationToken);
            }
        }

        private static bool IsTransient(HttpStatusCode status) =>
            (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

        private static async Task<string> ReadCappedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[AgentState.MaxFileBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += read;
            }
            if (total > AgentState.MaxFileBytes)
            {
                throw new AgentException(ExitCodes.LicenseRejected, "The server's answer is larger than 64 KiB.");
            }
            return Encoding.UTF8.GetString(buffer, 0, total);
        }

        /// <summary>The problem details' code and detail, or the start of the body.</summary>
        private static string Describe(string body)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                var code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
                var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
                return $"{detail} ({code})";
            }
            catch (JsonException)
            {
                return body.Length > 200 ? body[..200] : body;
            }
        }
    }
}
