using CaseTracker.Api.Idempotency;

namespace CaseTracker.Api.Http;

public static class HttpSetup
{
    public static IServiceCollection AddCaseTrackerHttp(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ExceptionProblems>();
        services.ConfigureHttpJsonOptions(options => JsonSetup.Configure(options.SerializerOptions));
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IConfiguration>((kestrel, configuration) => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes(configuration));
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// Order matters: failures and empty error statuses become problem+json, oversized bodies are
    /// refused before anything reads them, and only then do callers meet authentication, the
    /// write-conflict retry and idempotency keys, innermost last.
    /// </summary>
    public static void UseCaseTrackerHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<CorrelationIds>();
        app.UseMiddleware<RequestBodyLimit>(MaxBodyBytes(app.Configuration));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<WriteConflictRetry>();
        app.UseMiddleware<IdempotencyKeys>();
    }

    private static long MaxBodyBytes(IConfiguration configuration) =>
        configuration.GetValue("Limits:MaxBodyBytes", RequestBodyLimit.DefaultMaxBytes);
}
