using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// On the real server (Kestrel, its own process): a 20 MB host info upload sent chunked, so no length says up front how
/// big it is, gets its 413 while the client is still sending: the portal stopped reading at the limit instead of taking
/// the whole body first. The client writes over a raw socket and counts what it got out before the answer came.
/// </summary>
public sealed class OversizedUploadIsRefusedBeforeItIsRead
{
    private const string Name = "oversized-01";
    private const long FileBytes = 20_000_000;

    [Fact]
    public async Task A_chunked_twenty_megabyte_upload_is_answered_413_long_before_it_is_all_sent()
    {
        await using var portal = await PortalProcess.StartAsync();
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = portal.BaseAddress };
        using var tokenResponse = await http.PostAsJsonAsync("api/v1/tokens", new { userName = PortalProcess.AdminUserName, password = PortalProcess.AdminPassword, name = "oversized" });
        var token = (await ApiTestKit.JsonAsync(tokenResponse, HttpStatusCode.Created)).GetProperty("token").GetString()!;
        var ownerId = await AdminIdAsync(http, token);
        using (var create = new HttpRequestMessage(HttpMethod.Post, new Uri("api/v1/instances", UriKind.Relative)))
        {
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            create.Content = JsonContent.Create(new
            {
                name = Name, ownerId, maxDesktops = 1, maxImages = 1, maxUsers = 1, maxVcpus = 1, maxVmemGib = 1, maxVdiskGib = 1,
                expiresAt = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            });
            using var created = await http.SendAsync(create);
            await ApiTestKit.JsonAsync(created, HttpStatusCode.Created);
        }
        using var signIn = await PortalWebFactory.SignInAsync(http, PortalProcess.AdminUserName, PortalProcess.AdminPassword);
        var cookie = cookies.GetCookieHeader(portal.BaseAddress);
        Assert.Contains("LicensePortal.Auth=", cookie, StringComparison.Ordinal);

        var viaApi = await SendChunkedFormAsync(portal.BaseAddress, $"/api/v1/instances/{Name}/hostinfo", $"Authorization: Bearer {token}");
        var viaSeed = await SendChunkedFormAsync(portal.BaseAddress, $"/upload_hostinfo?instance={Name}", $"Cookie: {cookie}");

        foreach (var (answer, sent) in new[] { viaApi, viaSeed })
        {
            Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
            Assert.Contains("application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
            // What the sockets' buffers hold is a few MB at most; a portal that read the body whole saw all 20 MB first.
            Assert.True(sent < FileBytes, $"the client sent all {sent} bytes before the answer; output:\n{portal.Output}");
        }
        using var check = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/instances/{Name}", UriKind.Relative));
        check.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var instance = await http.SendAsync(check);
        Assert.Equal("TOUPLOAD", (await ApiTestKit.JsonAsync(instance, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    private static async Task<string> AdminIdAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/users?pageSize=10", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var page = await ApiTestKit.JsonAsync(response, HttpStatusCode.OK);
        return page.GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    /// <summary>
    /// POSTs a multipart form whose file part is <see cref="FileBytes"/> long, chunked, over a raw socket; stops writing as
    /// soon as an answer arrives or the server closes. Returns the answer's head and how many file bytes went out.
    /// </summary>
    private static async Task<(string Answer, long Sent)> SendChunkedFormAsync(Uri baseAddress, string pathAndQuery, string credential)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = tcp.GetStream();
        const string boundary = "oversized-boundary";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {pathAndQuery} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\n{credential}\r\nTransfer-Encoding: chunked\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\nAccept-Language: en\r\n\r\n"));
        var reading = ReadAnswerAsync(stream);
        await WriteChunkAsync(stream, Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hostinfo.txt\"\r\nContent-Type: text/plain\r\n\r\n"), CancellationToken.None);

        var block = Encoding.ASCII.GetBytes(new string('A', 16 * 1024));
        long sent = 0;
        try
        {
            while (sent < FileBytes && !reading.IsCompleted)
            {
                using var stuck = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await WriteChunkAsync(stream, block, stuck.Token);
                sent += block.Length;
            }
            if (!reading.IsCompleted)
            {
                await WriteChunkAsync(stream, Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"), CancellationToken.None);
                await stream.WriteAsync(Encoding.ASCII.GetBytes("0\r\n\r\n"));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // The server closed the connection (or stopped reading) after its answer: exactly what is expected.
        }
        return (await reading.WaitAsync(TimeSpan.FromSeconds(60)), sent);
    }

    private static async Task WriteChunkAsync(NetworkStream stream, byte[] data, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), cancellationToken);
        await stream.WriteAsync(data, cancellationToken);
        await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>The answer's status line and headers (and whatever of the body came with them).</summary>
    private static async Task<string> ReadAnswerAsync(NetworkStream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
                var text = Encoding.UTF8.GetString(received.ToArray());
                if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    return text;
                }
            }
        }
        catch (IOException)
        {
            // reset after the answer, or before any: whatever arrived is the answer
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }
}
