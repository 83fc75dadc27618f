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

        // How quickly a dead node is noticed and its projections moved. Wolverine's defaults (10 s
        // checks, stale after a minute) leave a crashed single node's projections idle for over a
        // minute after its restart; CaseTracker's defaults bring that to about 20 s, for a health
        // check row every 5 s per node.
        var check = configuration.GetValue("Cluster:HealthCheckSeconds", 5.0);
        var stale = configuration.GetValue("Cluster:StaleNodeSeconds", 20.0);
        opts.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(check);
        opts.Durability.FirstHealthCheckExecution = TimeSpan.FromSeconds(Math.Min(check, 3));
        opts.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(stale);
        opts.Durability.NodeReassignmentPollingTime = TimeSpan.FromSeconds(Math.Min(5, stale / 2));
        opts.Durability.CheckAssignmentPeriod = TimeSpan.FromSeconds(Math.Min(30, stale));

        // How often a node looks in PostgreSQL for messages whose time has come: scheduled webhook
        // retries, replayed dead letters, outbox rows a broker could not take. It bounds how late a
        // retry runs, so the webhook backoff (Webhooks:FirstRetrySeconds) is not set finer than this.
        var polling = configuration.GetValue("Cluster:DurabilityPollingSeconds", 5.0);
        if (polling is < 0.05 or > 300) throw new InvalidOperationException("Cluster:DurabilityPollingSeconds must be from 0.05 to 300.");
        opts.Durability.ScheduledJobPollingTime = TimeSpan.FromSeconds(polling);
    }
}
