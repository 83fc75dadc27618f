namespace CaseTracker.Tests.Support;

/// <summary>
/// Waits for something asynchronous (a projection, a queued delivery) by asking again until it
/// holds, never by sleeping a fixed time. The deadline only ends a wait that is stuck.
/// </summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(1));
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Still waiting for {what} after {timeout ?? TimeSpan.FromMinutes(1)}.");
            await Task.Delay(50);
        }
    }

    public static Task Holds(Func<Task<bool>> check, string what, TimeSpan? timeout = null) =>
        Get(check, x => x, what, timeout);
}
