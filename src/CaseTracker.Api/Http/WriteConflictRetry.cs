namespace CaseTracker.Api.Http;

/// <summary>
/// A command that loses a race at commit is decided again against the stream as it now stands,
/// unless the client asked for concurrency control with If-Match and the stream itself moved (then
/// it gets 412 from <see cref="ExceptionProblems"/>). A unique key taken by another writer (a
/// reference, a seal number, an idempotency key) is decided again whatever If-Match says: the
/// stream may not have moved at all, and deciding again answers what was taken (409) or replays
/// the key. Deciders are pure, so running one again is safe, and If-Match is checked again with it.
/// </summary>
public sealed class WriteConflictRetry(RequestDelegate next, ILogger<WriteConflictRetry> logger)
{
    private const int Attempts = 8;

    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await next(http);
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await next(http);
                return;
            }
            catch (Exception e) when (attempt < Attempts && !http.Response.HasStarted && WriteConflicts.IsConflict(e)
                                      && (!ExpectedVersion.IsPresent(http.Request) || WriteConflicts.IsKeyTaken(e)))
            {
                logger.LogDebug("Write conflict on {Path}, attempt {Attempt}; deciding again", http.Request.Path, attempt);
                http.Response.Clear();
                http.Request.Body.Position = 0;
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), http.RequestAborted);
            }
        }
    }
}
