using System.Net.Http.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Stats;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Reliability;

/// <summary>
/// Two API processes on one PostgreSQL: both take commands for the same cases; each asynchronous
/// projection runs on exactly one of them; when one is killed, the other takes its projections over.
/// </summary>
[Collection(CaseApiCollection.Name)]
public class two_nodes(AppFixture fixture)
{
    /// <summary>
    /// The asynchronous projections (people, their names per case, dashboard, the dashboard's people
    /// count and restricted cases' totals, notification feed) and the webhook dispatch.
    /// </summary>
    private const int Placed = 7;

    [Fact]
    public async Task both_nodes_write_one_runs_each_projection_and_the_survivor_takes_over()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var environment = ApiProcess.ServerEnvironment(fixture, connectionString);

        await using var first = new ApiServer(environment);
        await first.StartAsync();
        await using var second = new ApiServer(environment);
        await second.StartAsync();
        var token = fixture.TokenFor(Roles.Officer, "field-officer", "Xingtai PSB");
        using var one = Client(first, token);
        using var two = Client(second, token);

        var ledger = new CommandLedger();
        var caseId = (await (await ledger.Send(one, "/api/cases", Commands.OpenCase($"NODES-{Guid.NewGuid():N}"[..30]), "open"))!
            .Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.CaseId;
        for (var i = 0; i < 20; i++)
        {
            await ledger.Send(i % 2 == 0 ? one : two, $"/api/cases/{caseId}/tips", Commands.Tip(), $"before-{i}");
        }

        var assignments = await WaitForAssignments(connectionString, nodes => nodes.Count > 0, TimeSpan.FromMinutes(3));
        assignments.Keys.Count(x => x.StartsWith("event-subscriptions://", StringComparison.Ordinal)).ShouldBe(Placed, "each projection is placed once");

        // Kill the node that runs the dashboard projection, and keep writing to the other.
        var nodes = await NodesByStart(connectionString);
        var dashboardNode = assignments.Single(x => x.Key.Contains("dashboardstats", StringComparison.Ordinal)).Value;
        var (victim, survivor, survivorClient) = nodes[0] == dashboardNode ? (first, second, two) : (second, first, one);
        victim.Kill();
        for (var i = 0; i < 20; i++)
        {
            await ledger.Send(survivorClient, $"/api/cases/{caseId}/tips", Commands.Tip(), $"after-{i}");
        }

        var survivorNode = nodes[0] == dashboardNode ? nodes[1] : nodes[0];
        await WaitForAssignments(connectionString,
            x => x.Where(a => a.Key.StartsWith("event-subscriptions://", StringComparison.Ordinal)).All(a => a.Value == survivorNode),
            TimeSpan.FromMinutes(3));
        await AsyncProjections.CaughtUp(connectionString, TimeSpan.FromMinutes(3));

        ledger.Refusals.ShouldBeEmpty();
        await ledger.VerifyAgainst(connectionString);
        var stats = await survivorClient.GetFromJsonAsync<StatsView>("/api/stats", IntegrationContext.Json);
        stats!.TipsByAgency["US Department of Homeland Security"].ShouldBe(40, "the survivor's projections caught up with both nodes' commands");
        survivor.ProcessId.ShouldNotBeNull();
    }

    private static HttpClient Client(ApiServer server, string token)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>Wolverine's record of which node runs which agent (projections, leadership).</summary>
    private static async Task<Dictionary<string, Guid>> WaitForAssignments(string connectionString, Func<Dictionary<string, Guid>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var assignments = new Dictionary<string, Guid>();
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"select id, node_id from {StoreConfiguration.Schema}.wolverine_node_assignments", connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) assignments[reader.GetString(0)] = reader.GetGuid(1);
            }

            if (assignments.Keys.Count(x => x.StartsWith("event-subscriptions://", StringComparison.Ordinal)) == Placed && done(assignments)) return assignments;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Agent assignments never settled: {string.Join(", ", assignments)}");
            await Task.Delay(500);
        }
    }

    private static async Task<List<Guid>> NodesByStart(string connectionString)
    {
        var nodes = new List<Guid>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select id from {StoreConfiguration.Schema}.wolverine_nodes order by started", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) nodes.Add(reader.GetGuid(0));
        return nodes;
    }
}
