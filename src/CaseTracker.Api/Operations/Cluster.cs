using Wolverine;

namespace CaseTracker.Api.Operations;

/// <summary>
/// How API nodes share the work. Every node accepts commands; Wolverine elects a leader that
/// places each asynchronous projection on exactly one node and moves it when a node stops
/// answering its health checks.
/// </summary>
public static class Cluster
{
    public static void ConfigureCaseTracker(this WolverineOptions opts, IConfiguration configuration)
    {
        opts.Policies.AutoApplyTransactions();

        // How quickly a dead node is noticed and its projections moved (defaults: 10 s checks, a node
        // is stale after a minute of silence). Shorter settings trade database chatter for failover time.
        if (configuration.GetValue<double?>("Cluster:HealthCheckSeconds") is { } check)
        {
            opts.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(check);
            opts.Durability.FirstHealthCheckExecution = TimeSpan.FromSeconds(Math.Min(check, 3));
        }

        if (configuration.GetValue<double?>("Cluster:StaleNodeSeconds") is { } stale)
        {
            opts.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(stale);
            opts.Durability.NodeReassignmentPollingTime = TimeSpan.FromSeconds(Math.Min(5, stale / 2));
            opts.Durability.CheckAssignmentPeriod = TimeSpan.FromSeconds(Math.Min(30, stale));
        }
    }
}
