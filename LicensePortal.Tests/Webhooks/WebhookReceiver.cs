using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LicensePortal.Tests.Webhooks;

/// <summary>One request the receiver got: its headers of interest and the raw body, as received.</summary>
public sealed record ReceivedWebhook(string? Signature, string? Event, string? Delivery, byte[] Body, DateTimeOffset At)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A real HTTP server (Kestrel on a loopback port) that webhooks are sent to. Each request is recorded; what it answers
/// comes from <see cref="Answers"/> in order (a status, or a delay longer than the portal waits), 200 when none are left.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    /// <summary>What the next requests are answered: a status code, or a negative number of seconds to hang before answering 200.</summary>
    public ConcurrentQueue<int> Answers { get; } = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var headers = context.Request.Headers;
            receiver._received.Enqueue(new ReceivedWebhook(headers["LicensePortal-Signature"], headers["LicensePortal-Event"], headers["LicensePortal-Delivery"],
                buffer.ToArray(), DateTimeOffset.UtcNow));
            receiver._arrived.Release();
            var answer = receiver.Answers.TryDequeue(out var next) ? next : 200;
            if (answer < 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(-answer), context.RequestAborted).ContinueWith(_ => { });
                answer = 200;
            }
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived (at most <paramref name="seconds"/>).</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (_received.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                Assert.Fail($"expected {count} webhook request(s) within {seconds} s, got {_received.Count}");
            }
        }
        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
