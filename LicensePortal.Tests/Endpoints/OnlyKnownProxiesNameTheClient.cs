using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// The real portal process behind a reverse proxy at 127.0.0.2 (ForwardedHeaders:KnownProxies). Connections come from
/// 127.0.0.2 (the proxy) or 127.0.0.3 (anyone else on the network, who may write the same headers): only the proxy's
/// X-Forwarded-For and X-Forwarded-Proto count, for the rate limits, the audit trail, the cookies' Secure flag and HSTS.
/// </summary>
public sealed partial class OnlyKnownProxiesNameTheClient(OnlyKnownProxiesNameTheClient.Portal portal) : IClassFixture<OnlyKnownProxiesNameTheClient.Portal>
{
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.3");
    // Its own address, so the other tests' attempts from Stranger do not count towards its limit.
    private static readonly IPAddress Spoofer = IPAddress.Parse("127.0.0.4");
    private const string PublicHost = "portal.example.com";

    [Fact]
    public async Task The_audit_trail_records_the_client_the_proxy_names_and_the_real_address_of_anyone_else()
    {
        using var viaProxy = portal.ClientFrom(Proxy);
        using var stranger = portal.ClientFrom(Stranger);

        Assert.Equal(HttpStatusCode.Created, (await CreateTokenAsync(viaProxy, "203.0.113.30", PortalProcess.AdminUserName, PortalProcess.AdminPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await CreateTokenAsync(stranger, "198.51.100.99", PortalProcess.AdminUserName, PortalProcess.AdminPassword)).StatusCode);

        var addresses = await portal.AuditAddressesAsync("token.create");
        Assert.Contains("203.0.113.30", addresses);
        Assert.Contains("127.0.0.3", addresses);
        Assert.DoesNotContain("198.51.100.99", addresses);
        Assert.DoesNotContain("127.0.0.2", addresses);
    }

    [Fact]
    public async Task Wrong_passwords_through_the_proxy_throttle_only_their_client_and_a_forged_header_does_not_escape_the_limit()
    {
        using var viaProxy = portal.ClientFrom(Proxy);
        using var stranger = portal.ClientFrom(Spoofer);

        // Client A, through the proxy, uses up its sign-in attempts (10 a minute by default).
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await CreateTokenAsync(viaProxy, "203.0.113.10", $"nobody-a{i}", "Wr0ng-Passw0rd!")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CreateTokenAsync(viaProxy, "203.0.113.10", "nobody-a-last", "Wr0ng-Passw0rd!")).StatusCode);
        // Client B, through the same proxy, is not throttled by A.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CreateTokenAsync(viaProxy, "203.0.113.20", "nobody-b", "Wr0ng-Passw0rd!")).StatusCode);

        // Someone else writes a new X-Forwarded-For each time: the limit still counts their real address.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await CreateTokenAsync(stranger, $"198.51.100.{i + 1}", $"nobody-s{i}", "Wr0ng-Passw0rd!")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CreateTokenAsync(stranger, "198.51.100.200", "nobody-s-last", "Wr0ng-Passw0rd!")).StatusCode);
    }

    [Fact]
    public async Task Https_at_the_proxy_makes_every_cookie_secure_and_sends_hsts_and_https_claimed_by_anyone_else_does_not()
    {
        using var viaProxy = portal.ClientFrom(Proxy);
        using var stranger = portal.ClientFrom(Stranger);

        var (proxyLogin, proxyAuth) = await SignInAsync(viaProxy);
        Assert.True(proxyLogin.Headers.Contains("Strict-Transport-Security"), "HSTS through the proxy over HTTPS");
        Assert.Contains(Cookie(proxyLogin, ".AspNetCore.Antiforgery."), c => IsSecure(c));
        Assert.True(IsSecure(Assert.Single(Cookie(proxyAuth, "LicensePortal.Auth"))), "auth cookie through the proxy over HTTPS");
        using var proxyCulture = await SendAsync(viaProxy, HttpMethod.Get, "culture/set?culture=en&redirectUri=%2F");
        Assert.True(IsSecure(Assert.Single(Cookie(proxyCulture, ".AspNetCore.Culture"))), "culture cookie through the proxy over HTTPS");

        var (strangerLogin, strangerAuth) = await SignInAsync(stranger);
        Assert.False(strangerLogin.Headers.Contains("Strict-Transport-Security"), "no HSTS for a claimed HTTPS");
        Assert.DoesNotContain(Cookie(strangerLogin, ".AspNetCore.Antiforgery."), c => IsSecure(c));
        Assert.False(IsSecure(Assert.Single(Cookie(strangerAuth, "LicensePortal.Auth"))));
        using var strangerCulture = await SendAsync(stranger, HttpMethod.Get, "culture/set?culture=en&redirectUri=%2F");
        Assert.False(IsSecure(Assert.Single(Cookie(strangerCulture, ".AspNetCore.Culture"))));
    }

    /// <summary>The sign-in page, then the form posted with its antiforgery cookie (sent by hand: a Secure cookie is not sent back over http).</summary>
    private static async Task<(HttpResponseMessage Page, HttpResponseMessage SignIn)> SignInAsync(HttpClient client)
    {
        var page = await SendAsync(client, HttpMethod.Get, "Identity/Account/Login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(FormToken().Match(html).Groups[1].Value);
        var cookies = string.Join("; ", Cookie(page, ".AspNetCore.Antiforgery.").Select(c => c.Split(';')[0]));
        var signIn = await SendAsync(client, HttpMethod.Post, "Identity/Account/Login", new FormUrlEncodedContent(
            [new("Input.UserName", PortalProcess.AdminUserName), new("Input.Password", PortalProcess.AdminPassword), new("__RequestVerificationToken", token)]), cookies);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return (page, signIn);
    }

    private static Task<HttpResponseMessage> CreateTokenAsync(HttpClient client, string forwardedFor, string userName, string password) =>
        SendAsync(client, HttpMethod.Post, "api/v1/tokens", JsonContent.Create(new { userName, password, name = "proxy-test" }), forwardedFor: forwardedFor);

    /// <summary>A request as the proxy sends it: the public Host, the client's address and HTTPS in X-Forwarded-*.</summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, HttpContent? content = null, string? cookies = null,
        string forwardedFor = "203.0.113.50")
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Host = PublicHost;
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        request.Headers.Add("X-Forwarded-Proto", "https");
        if (cookies is { Length: > 0 })
        {
            request.Headers.Add("Cookie", cookies);
        }
        return await client.SendAsync(request);
    }

    private static IEnumerable<string> Cookie(HttpResponseMessage response, string namePrefix) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Where(v => v.StartsWith(namePrefix, StringComparison.Ordinal)) : [];

    private static bool IsSecure(string setCookie) =>
        setCookie.Split(';').Skip(1).Any(a => a.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    /// <summary>One portal process for the class, in Production (HSTS is sent outside Development), trusting 127.0.0.2 only.</summary>
    public sealed class Portal : IAsyncLifetime
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lp-proxy-");
        private PortalProcess? _process;

        private string DatabasePath => Path.Combine(_folder.FullName, "portal.db");

        public async Task InitializeAsync() => _process = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__LicensePortal"] = $"Data Source={DatabasePath}",
            ["ForwardedHeaders__KnownProxies__0"] = Proxy.ToString(),
        });

        /// <summary>A client whose connections leave from <paramref name="source"/> (any 127.x address is this machine's loopback).</summary>
        public HttpClient ClientFrom(IPAddress source)
        {
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        socket.Bind(new IPEndPoint(source, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { BaseAddress = _process!.BaseAddress };
        }

        public async Task<List<string>> AuditAddressesAsync(string action)
        {
            await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """SELECT "RemoteAddress" FROM "AuditEntries" WHERE "Action" = $action""";
            command.Parameters.AddWithValue("$action", action);
            var addresses = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                addresses.Add(reader.GetString(0));
            }
            return addresses;
        }

        public async Task DisposeAsync()
        {
            if (_process is not null)
            {
                await _process.DisposeAsync();
            }
            SqliteConnection.ClearAllPools();
            _folder.Delete(recursive: true);
        }
    }
}
