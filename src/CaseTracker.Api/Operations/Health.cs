using CaseTracker.Api.Storage;
using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CaseTracker.Api.Operations;

public static class Health
{
    public static IServiceCollection AddCaseTrackerHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseReady>("database", tags: ["ready"]);
        return services;
    }

    public static void MapCaseTrackerHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = x => x.Tags.Contains("ready") }).AllowAnonymous();
    }

    /// <summary>Ready means PostgreSQL answers and CaseTracker's event table exists.</summary>
    private sealed class DatabaseReady(IDocumentStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await using var connection = store.Storage.Database.CreateConnection();
                await connection.OpenAsync(timeout.Token);
                await using var command = new NpgsqlCommand("select to_regclass(@table) is not null", connection);
                command.Parameters.AddWithValue("table", store.Events());
                var applied = (bool)(await command.ExecuteScalarAsync(timeout.Token))!;
                return applied ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("schema not applied");
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("database unreachable");
            }
        }
    }
}
