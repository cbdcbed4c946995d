using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Services.Webhooks;

/// <summary>
/// Sends the outbox. Each pass (every <see cref="WebhooksOptions.PollSeconds"/>) turns new events into one delivery per
/// active endpoint subscribed to the event's type, then claims due deliveries and attempts each once. Several nodes run
/// this at once: a batch is claimed in a transaction that locks its rows (PostgreSQL FOR UPDATE SKIP LOCKED; SQLite's
/// single writer, BEGIN IMMEDIATE), and a claim lasts a little longer than an attempt may, so a node that dies holding
/// one only delays it. Failures wait <see cref="WebhooksOptions.FirstRetrySeconds"/>, doubling, for
/// <see cref="WebhooksOptions.RetryForHours"/>; a refused private address fails at once.
/// </summary>
public sealed class WebhookDispatcher : BackgroundService
{
    private const int BatchSize = 20;

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly WebhookService _webhooks;
    private readonly IOptionsMonitor<WebhooksOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _http;

    public WebhookDispatcher(IDbContextFactory<AppDbContext> dbFactory, WebhookService webhooks, IOptionsMonitor<WebhooksOptions> options, TimeProvider time,
        ILogger<WebhookDispatcher> logger)
    {
        _dbFactory = dbFactory;
        _webhooks = webhooks;
        _options = options;
        _time = time;
        _logger = logger;
        var handler = new SocketsHttpHandler
        {
            // The address check must see the receiver's address, not a proxy's; and a redirect is an answer, not followed.
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectCallback = WebhookAddressGuard.ConnectCallback(() => _options.CurrentValue.AllowPrivateNetworks),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("LicensePortal-Webhooks", "1"));
    }

    private WebhooksOptions Options => _options.CurrentValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "A webhook pass failed; the next starts in {Seconds} s", Options.PollSeconds);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Options.PollSeconds), _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: fan out new events, then attempt due deliveries until none are left for now.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        while (await FanOutAsync(cancellationToken) > 0)
        {
        }
        while (await ClaimAsync(cancellationToken) is { Count: > 0 } claimed)
        {
            foreach (var id in claimed)
            {
                await AttemptAsync(id, cancellationToken);
            }
        }
    }

    /// <summary>Turns up to a batch of new events into deliveries, in one transaction with the events marked done.</summary>
    private async Task<int> FanOutAsync(CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        await using var transaction = await db.Database.BeginTransactionAsync(postgres ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable, cancellationToken);
        var sql = postgres
            ? $"""SELECT "Id" FROM "WebhookEvents" WHERE "FannedOutAt" IS NULL ORDER BY "Id" LIMIT {BatchSize} FOR UPDATE SKIP LOCKED"""
            : (FormattableString)$"""SELECT "Id" FROM "WebhookEvents" WHERE "FannedOutAt" IS NULL ORDER BY "Id" LIMIT {BatchSize}""";
        var ids = (await db.Database.SqlQuery<IdRow>(sql).ToListAsync(cancellationToken)).Select(r => r.Id).ToList();
        if (ids.Count == 0)
        {
            return 0;
        }
        var now = _time.GetUtcNow().UtcDateTime;
        var events = await db.WebhookEvents.Where(e => ids.Contains(e.Id)).ToListAsync(cancellationToken);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => e.IsActive).Select(e => new { e.Id, e.Events }).ToListAsync(cancellationToken);
        foreach (var e in events)
        {
            foreach (var endpoint in endpoints.Where(x => x.Events.Split(',').Contains(e.Type)))
            {
                db.WebhookDeliveries.Add(new WebhookDelivery
                {
                    EndpointId = endpoint.Id, EventId = e.Id, State = WebhookDeliveryState.Pending, CreatedAt = now, NextAttemptAt = now,
                });
            }
            e.FannedOutAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return events.Count;
    }

    /// <summary>Claims up to a batch of due deliveries for this node until a little after an attempt's timeout.</summary>
    private async Task<IReadOnlyList<long>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        await using var transaction = await db.Database.BeginTransactionAsync(postgres ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable, cancellationToken);
        var now = _time.GetUtcNow().UtcDateTime;
        var pending = WebhookDeliveryState.Pending.ToString();
        FormattableString select = $"""
            SELECT "Id" FROM "WebhookDeliveries" WHERE "State" = {pending} AND "NextAttemptAt" <= {now} AND ("ClaimedUntil" IS NULL OR "ClaimedUntil" < {now})
            ORDER BY "NextAttemptAt" LIMIT {BatchSize}
            """;
        // Locked on PostgreSQL (another node skips these rows); SQLite's transaction holds the write lock already.
        var sql = FormattableStringFactory.Create(select.Format + (postgres ? " FOR UPDATE SKIP LOCKED" : ""), select.GetArguments());
        var ids = (await db.Database.SqlQuery<IdRow>(sql).ToListAsync(cancellationToken)).Select(r => r.Id).ToList();
        if (ids.Count == 0)
        {
            return ids;
        }
        // Each attempt is bounded by the timeout; a batch is attempted one after the other.
        var until = now + TimeSpan.FromSeconds((Options.TimeoutSeconds + 5) * (ids.Count + 1));
        await db.WebhookDeliveries.Where(d => ids.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimedUntil, until), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ids;
    }

    /// <summary>One attempt of a claimed delivery, and its outcome recorded (the attempt's row and the delivery's new state together).</summary>
    private async Task AttemptAsync(long deliveryId, CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var delivery = await db.WebhookDeliveries.Include(d => d.Endpoint).Include(d => d.Event).FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        if (delivery is null || delivery.State != WebhookDeliveryState.Pending)
        {
            return; // deleted with its endpoint meanwhile
        }
        var endpoint = delivery.Endpoint!;
        var body = delivery.Event!.Body;
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        var started = Stopwatch.GetTimestamp();
        var attempt = new WebhookAttempt { DeliveryId = delivery.Id, Number = delivery.Attempts + 1, At = _time.GetUtcNow().UtcDateTime };
        var refused = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.HeaderValue(_webhooks.Unprotect(endpoint), timestamp, body));
            request.Headers.TryAddWithoutValidation("LicensePortal-Event", delivery.Event.Type);
            request.Headers.TryAddWithoutValidation("LicensePortal-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Options.TimeoutSeconds));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            attempt.StatusCode = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                attempt.Error = "Webhook.Error.Status";
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            attempt.Error = "Webhook.Error.Timeout";
            attempt.Detail = $"no answer within {Options.TimeoutSeconds} s";
        }
        catch (HttpRequestException ex) when (Find<WebhookAddressRefusedException>(ex) is { } refusal)
        {
            refused = true;
            attempt.Error = "Webhook.Error.PrivateAddress";
            attempt.Detail = Truncate(refusal.Message);
        }
        catch (HttpRequestException ex)
        {
            attempt.Error = "Webhook.Error.Connection";
            attempt.Detail = Truncate(ex.InnerException?.Message ?? ex.Message);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // This node cannot decrypt the secret (its Data Protection certificate is not the one the other nodes use):
            // retried, so a node with the right one may still deliver; the log says what to fix.
            attempt.Error = "Webhook.Error.Secret";
            _logger.LogWarning("Webhook delivery {Delivery}: this node cannot decrypt endpoint {Endpoint}'s secret ({Reason}); every node needs the same DataProtection certificate",
                delivery.Id, endpoint.Id, ex.Message);
        }
        attempt.DurationMs = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        var now = _time.GetUtcNow().UtcDateTime;
        delivery.Attempts = attempt.Number;
        delivery.ClaimedUntil = null;
        if (attempt.Error.Length == 0)
        {
            delivery.State = WebhookDeliveryState.Delivered;
        }
        else
        {
            var next = now + RetryDelay(attempt.Number);
            var giveUp = refused || next > delivery.CreatedAt + TimeSpan.FromHours(Options.RetryForHours);
            delivery.State = giveUp ? WebhookDeliveryState.Failed : WebhookDeliveryState.Pending;
            delivery.NextAttemptAt = giveUp ? delivery.NextAttemptAt : next;
            // The host only: a URL's path or query may carry the receiver's own token.
            var host = Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var uri) ? uri.Authority : "?";
            if (refused)
            {
                _logger.LogWarning("Webhook delivery {Delivery} ({Event}) to endpoint {Endpoint} at {Host} refused: {Reason}", delivery.Id, delivery.Event.Type, endpoint.Id, host, attempt.Detail);
            }
            else
            {
                _logger.LogInformation("Webhook delivery {Delivery} ({Event}) to endpoint {Endpoint} at {Host}, attempt {Attempt}, failed: {Error} {Status} {Detail}; {Next}",
                    delivery.Id, delivery.Event.Type, endpoint.Id, host, attempt.Number, attempt.Error, attempt.StatusCode, attempt.Detail,
                    giveUp ? "no more attempts" : "next attempt at " + next.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
            }
        }
        db.WebhookAttempts.Add(attempt);
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException)
        {
            // The endpoint was deleted during the attempt, and its deliveries with it: nothing to record. Anything else is a failure.
            await using var check = await _dbFactory.CreateDbContextAsync(CancellationToken.None);
            if (await check.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId, CancellationToken.None))
            {
                throw;
            }
        }
    }

    /// <summary>The wait after the <paramref name="attempts"/>th failed attempt: the first delay, doubled each time, capped.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var seconds = Options.FirstRetrySeconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, Options.MaxRetryDelaySeconds));
    }

    private static T? Find<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    private static string Truncate(string value) => value.Length <= WebhookAttempt.ErrorMaxLength ? value : value[..WebhookAttempt.ErrorMaxLength];

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private sealed class IdRow
    {
        public long Id { get; set; }
    }
}
