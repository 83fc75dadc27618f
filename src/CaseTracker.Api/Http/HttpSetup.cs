using CaseTracker.Api.Audit;
using CaseTracker.Api.Idempotency;
using CaseTracker.Api.Operations;

namespace CaseTracker.Api.Http;

public static class HttpSetup
{
    public static IServiceCollection AddCaseTrackerHttp(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemShaping.Shape);
        services.AddHttpContextAccessor();
        services.AddExceptionHandler<ExceptionProblems>();
        services.ConfigureHttpJsonOptions(options => JsonSetup.Configure(options.SerializerOptions));
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IConfiguration>((kestrel, configuration) => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes(configuration));
        services.AddSingleton(TimeProvider.System);
        services.AddCaseTrackerRateLimits();
        return services;
    }

    /// <summary>
    /// Order matters: failures and empty error statuses become problem+json, oversized bodies and
    /// query strings PostgreSQL could not store are refused before anything reads them, callers are identified before their budget is counted,
    /// and reads are recorded once authorised; the write-conflict retry and idempotency keys sit
    /// innermost, right around the endpoint.
    /// </summary>
    public static void UseCaseTrackerHttp(this WebApplication app)
    {
        // HEAD is GET without the body (RFC 9110 §9.3.2), but the docs and OpenAPI endpoints are
        // mapped for GET only, so a HEAD fell through to the fallback policy's 401. Public pages are
        // routed as GET; Kestrel still sends no body for a HEAD request.
        app.Use((http, next) =>
        {
            if (HttpMethods.IsHead(http.Request.Method) && !http.Request.Path.StartsWithSegments("/api")) http.Request.Method = HttpMethods.Get;
            return next(http);
        });
        app.UseRouting();
        app.UseMiddleware<SecurityHeaders>();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<CorrelationIds>();
        app.UseMiddleware<RequestMetrics>();
        app.UseMiddleware<RequestBodyLimit>(MaxBodyBytes(app.Configuration));
        app.UseMiddleware<UnstorableQuery>();
        app.UseCaseTrackerDashboard();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<ReadAudit>();
        app.UseMiddleware<WriteConflictRetry>();
        app.UseMiddleware<IdempotencyKeys>();
    }

    private static long MaxBodyBytes(IConfiguration configuration) =>
        configuration.GetValue("Limits:MaxBodyBytes", RequestBodyLimit.DefaultMaxBytes);
}
