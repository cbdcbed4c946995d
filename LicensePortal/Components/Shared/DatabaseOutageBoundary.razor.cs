using LicensePortal.Data;

namespace LicensePortal.Components.Shared;

/// <summary>
/// Around every page (MainLayout): when a page cannot load or save because the database is unavailable
/// (<see cref="DatabaseFailures.IsTransient"/>), it shows a "temporarily unavailable, retrying" notice instead of the
/// error, asks the database every two seconds, and renders the page anew (which loads its data again) once it answers.
/// Pages need nothing of their own for this: a failure in their loading, a live refresh or a handler lands here.
/// </summary>
public sealed partial class DatabaseOutageBoundary
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    private bool _databaseUnavailable;
    private CancellationTokenSource? _waiting;

    protected override Task OnErrorAsync(Exception exception)
    {
        _databaseUnavailable = DatabaseFailures.IsTransient(exception);
        if (!_databaseUnavailable)
        {
            Logger.LogError(exception, "A page failed");
            return Task.CompletedTask;
        }
        Logger.LogWarning(exception, "The database is unavailable; the page waits for it");
        if (RendererInfo.IsInteractive && _waiting is null)
        {
            _waiting = new CancellationTokenSource();
            _ = WaitForDatabaseAsync(_waiting.Token);
        }
        return Task.CompletedTask;
    }

    private async Task WaitForDatabaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(ProbeInterval);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (await Database.IsAvailableAsync(cancellationToken))
                {
                    break;
                }
            }
            await InvokeAsync(() =>
            {
                _waiting?.Dispose();
                _waiting = null;
                Recover();
            });
        }
        catch (OperationCanceledException)
        {
            // The page was closed while waiting.
        }
    }

    public void Dispose()
    {
        _waiting?.Cancel();
        _waiting?.Dispose();
        _waiting = null;
    }
}
