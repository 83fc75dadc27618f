using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CaseTracker.Api.Http;

/// <summary>The one place where failures become HTTP answers; no stack trace ever reaches a client.</summary>
public sealed class ExceptionProblems(IProblemDetailsService problems, ILogger<ExceptionProblems> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            _ when WriteConflicts.IsConflict(exception) => ExpectedVersion.IsPresent(http.Request)
                ? Problems.StaleAtCommit()
                : Problems.Conflict("The case kept changing while this command was decided; nothing was recorded. Try again."),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
            _ when WriteConflicts.IsDatabaseUnavailable(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The case store is unavailable",
                Detail = $"PostgreSQL could not be reached; nothing was recorded. Retry in {RetryAfterSeconds} seconds."
            },
            _ => new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Unexpected error",
                Detail = $"The error was logged with trace id {http.TraceIdentifier}."
            }
        };

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            logger.LogWarning(exception, "Database unavailable for {Method} {Path}", http.Request.Method, http.Request.Path);
        }
        else if (problem.Status >= 500)
        {
            logger.LogError(exception, "Unhandled error for {Method} {Path}", http.Request.Method, http.Request.Path);
        }

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}
