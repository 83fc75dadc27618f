namespace CaseTracker.Api.Http;

/// <summary>
/// A command that loses a race at commit is decided again against the case as it now stands, unless
/// the client asked for concurrency control with If-Match (then it gets 412 from
/// <see cref="ExceptionProblems"/>). Deciders are pure, so running one again is safe.
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
            catch (Exception e) when (attempt < Attempts && !http.Response.HasStarted
                                      && WriteConflicts.IsConflict(e) && !ExpectedVersion.IsPresent(http.Request))
            {
                logger.LogDebug("Write conflict on {Path}, attempt {Attempt}; deciding again", http.Request.Path, attempt);
                http.Response.Clear();
                http.Request.Body.Position = 0;
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), http.RequestAborted);
            }
        }
    }
}
