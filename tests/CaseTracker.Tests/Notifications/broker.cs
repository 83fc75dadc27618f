using System.Text.Json.Nodes;
using CaseTracker.Api.Notifications;
using CaseTracker.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Shouldly;
using Wolverine.Runtime;
using Xunit;

namespace CaseTracker.Tests.Notifications;

/// <summary>
/// Every recorded event reaches the broker's topic exchange from the outbox, once: also those
/// recorded while the broker was down, which wait in PostgreSQL until it is back.
/// </summary>
[Collection(BrokerCollection.Name)]
public class broker(BrokerFixture fixture) : IntegrationContext(fixture)
{
    private RabbitMqBroker Broker => fixture.Broker;

    /// <summary>A durable queue of the test's own bound to every routing key, so it outlives a broker restart.</summary>
    private async Task<string> BindQueue()
    {
        var queue = $"casetracker-test-{Guid.NewGuid():N}";
        await using var connection = await new ConnectionFactory { Uri = Broker.Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, EventBroadcast.Exchange, "#");
        return queue;
    }

    /// <summary>Takes every message now in the queue: routing key and body.</summary>
    private async Task<List<(string RoutingKey, JsonNode Body)>> Take(string queue)
    {
        var taken = new List<(string, JsonNode)>();
        await using var connection = await new ConnectionFactory { Uri = Broker.Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            taken.Add((message.RoutingKey, JsonNode.Parse(message.Body.Span)!));
        }

        return taken;
    }

    private async Task<long> Highest()
    {
        await using var session = Fixture.Store.QuerySession();
        return await session.Database.FetchHighestEventSequenceNumber();
    }

    /// <summary>The broadcast has taken every recorded event into the outbox (sent or not).</summary>
    private async Task<bool> BroadcastCaughtUp()
    {
        var highest = await Highest();
        var progress = await Fixture.Store.Advanced.AllProjectionProgress();
        return progress.Any(x => x.ShardName.StartsWith("EventBroadcast", StringComparison.Ordinal) && x.Sequence >= highest);
    }

    private Task<long> Outgoing() =>
        Host.Services.GetRequiredService<IWolverineRuntime>().Storage.Admin.FetchCountsAsync().ContinueWith(x => (long)x.Result.Outgoing);

    [Fact]
    public async Task an_event_recorded_while_the_broker_is_down_is_published_once_when_it_is_back()
    {
        var queue = await BindQueue();
        var caseId = await OpenCase();
        var opened = await Eventually.Get(() => Take(queue), x => x.Count > 0, "the case's opening on the exchange");
        opened.Select(x => x.RoutingKey).ShouldBe(["CaseOpened"]);
        opened[0].Body["caseId"]!.GetValue<Guid>().ShouldBe(caseId);
        opened[0].Body["version"]!.GetValue<long>().ShouldBe(1);
        opened[0].Body["data"]!["reference"].ShouldNotBeNull();

        Broker.Stop();
        var tip = await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        var seizure = await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());
        await Eventually.Holds(BroadcastCaughtUp, "the broadcast to take both events");
        (await Outgoing()).ShouldBeGreaterThanOrEqualTo(2, "the events wait in the outbox while the broker is down");

        await Broker.StartAgain();
        await Eventually.Holds(async () => await Outgoing() == 0, "the outbox to empty into the broker", TimeSpan.FromMinutes(2));

        var published = await Take(queue);
        published.Select(x => (x.RoutingKey, x.Body["version"]!.GetValue<long>())).ShouldBe(
            [("TipReceived", tip.Version), ("DrugsSeized", seizure.Version)], ignoreOrder: true);
        published.Select(x => x.Body["eventId"]!.GetValue<Guid>()).Distinct().Count().ShouldBe(2, "each event once");
    }
}
