using System.Globalization;
using System.Threading.RateLimiting;
using CaseTracker.Api.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace CaseTracker.Api.Http;

/// <summary>
/// Per-user request budgets (OWASP API4): <c>Limits:RequestsPerMinute</c> per signed-in user, or
/// per client address before sign-in. Over budget: 429 problem+json with Retry-After.
/// </summary>
public static class RateLimits
{
    public const int DefaultRequestsPerMinute = 1200;

    public static IServiceCollection AddCaseTrackerRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (!http.Request.Path.StartsWithSegments("/api")) return RateLimitPartition.GetNoLimiter("unmetered");

                var permits = http.RequestServices.GetRequiredService<IConfiguration>()
                    .GetValue("Limits:RequestsPerMinute", DefaultRequestsPerMinute);
                var caller = http.User.FindFirst(ActorClaims.User)?.Value is { } user
                    ? $"user:{user}"
                    : $"address:{http.Connection.RemoteIpAddress}";
                return RateLimitPartition.GetFixedWindowLimiter(caller, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });

            options.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = "This user's request budget for the minute is spent; nothing was recorded. Retry after the time given."
                    }
                });
            };
        });
        return services;
    }
}
