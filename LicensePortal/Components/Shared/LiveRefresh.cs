namespace LicensePortal.Components.Shared;

/// <summary>
/// Turns a burst of change notifications into as few reloads as possible: one reload runs at a time on the component's
/// dispatcher, and one more follows if changes arrived meanwhile. Errors go to the component's error boundary.
/// </summary>
public sealed class LiveRefresh(Func<Func<Task>, Task> invokeAsync, Func<Task> reloadAsync, Func<Exception, Task> dispatchException)
{
    private int _pending;

    /// <summary>Called from any thread when something changed; returns at once.</summary>
    public Task TriggerAsync()
    {
        if (Interlocked.Increment(ref _pending) > 1)
        {
            return Task.CompletedTask; // a reload is already on its way and will include this change
        }
        _ = invokeAsync(async () =>
        {
            try
            {
                do
                {
                    Interlocked.Exchange(ref _pending, 1);
                    await reloadAsync();
                }
                while (Interlocked.Decrement(ref _pending) > 0);
            }
            catch (Exception ex)
            {
                Interlocked.Exchange(ref _pending, 0);
                await dispatchException(ex);
            }
        });
        return Task.CompletedTask;
    }
}
