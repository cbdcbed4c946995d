using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LicensePortal.Endpoints;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// The web server's own refusals against the real portal process (Kestrel), over raw TCP so nothing between the test
/// and the server fixes up the request: a request line over 8 KB is 414 and headers over 32 KB are 431, each with a
/// problem document in the caller's language; past Kestrel's own limits (16 KB, 64 KB), a malformed request line and a
/// U+0000 in the path, Kestrel answers before any middleware runs, with its status and an empty body (README,
/// "The server's own refusals"); a body over its limit is 413 with a problem document.
/// </summary>
public sealed class TheServersOwnRefusalsAreProblems
{
    private sealed record RawAnswer(int Status, string Head, string Body)
    {
        public string? ContentType => Head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?[13..].Trim();

        public override string ToString() => $"{Status}\n{Head}\n\n{(Body.Length > 300 ? Body[..300] : Body)}";
    }

    private static async Task<RawAnswer> SendAsync(Uri portal, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(portal.Host, portal.Port);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), timeout.Token);
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // a reset after the answer (the server closes with unread request bytes): what arrived is the answer
        }
        var bytes = received.ToArray();
        var split = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(split > 0, $"no answer: {Encoding.UTF8.GetString(bytes)}");
        var head = Encoding.ASCII.GetString(bytes, 0, split);
        var body = bytes[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }
        return new RawAnswer(int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        var result = new MemoryStream();
        var at = 0;
        while (true)
        {
            var end = at + chunked.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, end - at), 16);
            if (size == 0)
            {
                return result.ToArray();
            }
            result.Write(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
    }

    private static string Get(string target, string extraHeaders = "", string language = "en") =>
        $"GET {target} HTTP/1.1\r\nHost: localhost\r\nAccept-Language: {language}\r\n{extraHeaders}Connection: close\r\n\r\n";

    private static JsonElement Problem(RawAnswer answer, int status, string code)
    {
        Assert.True(answer.Status == status, answer.ToString());
        Assert.Equal("application/problem+json", answer.ContentType);
        var problem = JsonDocument.Parse(answer.Body).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    private static void Bare(RawAnswer answer, int status)
    {
        Assert.True(answer.Status == status, answer.ToString());
        Assert.Contains("Content-Length: 0", answer.Head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", answer.Body);
    }

    [Fact]
    public async Task Each_refusal_has_the_status_and_body_the_readme_documents()
    {
        await using var portal = await PortalProcess.StartAsync();
        var address = portal.BaseAddress;

        // 414: the documented limit with a problem in the caller's language; past Kestrel's limit, Kestrel's bare 414.
        var longPath = "/api/v1/vendor-keys?x=" + new string('a', RequestHeadLimits.MaxRequestLineBytes);
        var uriTooLong = Problem(await SendAsync(address, Get(longPath)), 414, "Error.UriTooLong");
        Assert.Equal("The request's address is too long (at most 8 KB for the request line).", uriTooLong.GetProperty("detail").GetString());
        Problem(await SendAsync(address, Get("/healthz?x=" + new string('a', RequestHeadLimits.MaxRequestLineBytes))), 414, "Error.UriTooLong");
        Bare(await SendAsync(address, Get("/healthz?x=" + new string('a', RequestHeadLimits.ServerMaxRequestLineBytes))), 414);
        // Just under the limit is served.
        var fits = await SendAsync(address, Get("/healthz?x=" + new string('a', RequestHeadLimits.MaxRequestLineBytes - 100)));
        Assert.True(fits.Status == 200, fits.ToString());

        // 431: headers over 32 KB (in Chinese by default), or more than 100 of them; past Kestrel's limits, its bare 431.
        var bigHeader = $"X-Big: {new string('b', RequestHeadLimits.MaxHeaderBytes)}\r\n";
        var headersTooLarge = Problem(await SendAsync(address, $"GET /healthz HTTP/1.1\r\nHost: localhost\r\n{bigHeader}Connection: close\r\n\r\n"), 431, "Error.HeadersTooLarge");
        Assert.Equal("请求头过大（最多 32 KB、100 个请求头）。", headersTooLarge.GetProperty("detail").GetString());
        var manyHeaders = string.Concat(Enumerable.Range(0, RequestHeadLimits.MaxHeaderCount + 1).Select(i => $"X-H{i}: v\r\n"));
        Problem(await SendAsync(address, Get("/", manyHeaders)), 431, "Error.HeadersTooLarge");
        Bare(await SendAsync(address, Get("/healthz", $"X-Big: {new string('b', RequestHeadLimits.ServerMaxHeaderBytes)}\r\n")), 431);

        // 400 before any middleware: a malformed request line, and U+0000 in the path. Kestrel's, bare.
        Bare(await SendAsync(address, "GARBAGE\r\n\r\n"), 400);
        Bare(await SendAsync(address, "GET /healthz HTTP/9.9\r\nHost: localhost\r\n\r\n"), 505);
        Bare(await SendAsync(address, Get("/api/v1/instances/a%00b")), 400);

        // 413: a body over the endpoint's limit (1 MiB of JSON) reaches the portal as an exception on reading: a problem.
        var tooLarge = await SendAsync(address,
            "POST /api/v1/tokens HTTP/1.1\r\nHost: localhost\r\nAccept-Language: en\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {RequestBodyLimits.JsonMaxBytes + 1}\r\nConnection: close\r\n\r\n{{\"userName\":\"");
        Problem(tooLarge, 413, "Error.PayloadTooLarge");
    }
}
