using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CaseTracker.Api.Notifications;

/// <summary>
/// What a follower of a case or of a person is told about one event: one row per event and per
/// case or person it concerns, whoever follows them. A subscription's notifications are the rows of
/// its target after its start, read together with it (<see cref="NotificationReader"/>), so the
/// feed does not grow with the number of followers and a subscription made later needs no replay.
/// </summary>
/// <remarks>
/// Only what the event says about the case goes in the summary, never a person's name, aliases or
/// nationality: a summary outlives any later sealing or expungement of the person.
/// </remarks>
public class FeedEntry
{
    public string Id { get; set; } = "";

    /// <summary>The case (every event of it) or the person (every event naming them).</summary>
    public Guid TargetId { get; set; }

    /// <summary>The event's global sequence: the order and the resume point of every notification.</summary>
    public long Sequence { get; set; }

    public Guid EventId { get; set; }
    public string Type { get; set; } = "";
    public Guid CaseId { get; set; }
    public Guid? DefendantId { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public string Summary { get; set; } = "";

    public static string IdFor(Guid targetId, long sequence) => $"{targetId:N}:{sequence}";

    /// <summary>The rows an event adds: one for its case and, when it names a person, one for them.</summary>
    public static IEnumerable<FeedEntry> For(IEvent e)
    {
        if (e.Data is not ICaseEvent) yield break;

        yield return Of(e, e.StreamId);
        if (DefendantProfileProjection.Concerning(e.Data) is { } person) yield return Of(e, person);
    }

    /// <summary>The row for one target: times and text from the event alone, so a rebuild writes it again byte for byte.</summary>
    public static FeedEntry Of(IEvent e, Guid targetId) => new()
    {
        Id = IdFor(targetId, e.Sequence),
        TargetId = targetId,
        Sequence = e.Sequence,
        EventId = e.Id,
        Type = e.EventType.Name,
        CaseId = e.StreamId,
        DefendantId = DefendantProfileProjection.Concerning(e.Data),
        OccurredAt = ((ICaseEvent)e.Data).OccurredAt,
        RecordedAt = e.Timestamp,
        Summary = Summaries.Of(e.Data),
    };

    public Notification To(Guid subscriptionId) =>
        new(Sequence, subscriptionId, EventId, Type, CaseId, DefendantId, OccurredAt, RecordedAt, Summary);
}

/// <summary>
/// Asynchronous, like the other projections across cases: placed on one node by Wolverine, it
/// trails the commit by the daemon's polling interval and resumes from its position on another
/// node when its node dies. It only stores rows keyed by target and sequence, so a rebuild in pages
/// writes the same rows.
/// </summary>
public partial class NotificationFeedProjection : EventProjection
{
    public NotificationFeedProjection()
    {
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
        Options.DeleteViewTypeOnTeardown<FeedEntry>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        foreach (var entry in FeedEntry.For(e)) operations.Store(entry);
        return ValueTask.CompletedTask;
    }
}
