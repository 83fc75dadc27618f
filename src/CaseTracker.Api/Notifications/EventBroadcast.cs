using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace CaseTracker.Api.Notifications;

/// <summary>
/// One recorded event as the message broker carries it: the fields of the case history, with the
/// event's own data. Published to the topic exchange <see cref="EventBroadcast.Exchange"/> with the
/// event's type as routing key.
/// </summary>
public record BrokerEvent(
    Guid EventId,
    string Type,
    Guid CaseId,
    long Version,
    long Sequence,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    Actor Actor,
    string? CorrelationId,
    object Data)
{
    public static BrokerEvent Of(IEvent e) => new(
        e.Id,
        e.EventType.Name,
        e.StreamId,
        e.Version,
        e.Sequence,
        ((ICaseEvent)e.Data).OccurredAt,
        e.Timestamp,
        new Actor(e.UserName ?? "system", e.GetHeader(EventHeaders.Role)?.ToString(), e.GetHeader(EventHeaders.Agency)?.ToString()),
        e.CorrelationId,
        e.Data);
}

/// <summary>
/// Publishes every recorded event to RabbitMQ when <c>RabbitMQ:Uri</c> is configured: a Wolverine
/// subscription to Marten's events, on one node at a time. Each page's messages are stored in
/// Wolverine's outbox in the same transaction as the subscription's position, then sent; an
/// outbox row is deleted only once the broker has confirmed it, so an event recorded while the
/// broker is down waits in PostgreSQL and is sent when it is back, and a page is never published twice.
/// </summary>
public sealed class EventBroadcast : BatchSubscription
{
    public const string Exchange = "casetracker.events";
    public const string UriKey = "RabbitMQ:Uri";

    public EventBroadcast() : base("EventBroadcast")
    {
        // Configuring a broker on a running system starts the feed there, rather than replaying years of history into it.
        Options.SubscribeFromPresent();
        // An event not yet published when its stream is archived is still published (docs/archiving.md).
        IncludeArchivedEvents = true;
    }

    public static string? ConfiguredUri(IConfiguration configuration) =>
        configuration[UriKey] is { Length: > 0 } uri ? uri : null;

    public override async Task ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, IMessageBus bus, CancellationToken ct)
    {
        foreach (var e in page.Events.Where(x => x.Data is ICaseEvent))
        {
            await bus.PublishAsync(BrokerEvent.Of(e));
        }
    }
}
