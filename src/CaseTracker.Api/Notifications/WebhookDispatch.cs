using CaseTracker.Api.Storage;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Patching;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace CaseTracker.Api.Notifications;

/// <summary>
/// Turns recorded events into webhook deliveries: a Wolverine subscription to Marten's events,
/// run on one node at a time (placed like the asynchronous projections). Each page of events and
/// the <see cref="DeliverWebhook"/> messages it yields are committed in one transaction with the
/// subscription's position (Wolverine's outbox on Marten), so a node that dies mid-page leaves
/// neither a lost nor a doubled delivery: the next node starts that page again.
/// </summary>
public sealed class WebhookDispatch : BatchSubscription
{
    public WebhookDispatch() : base("WebhookDispatch")
    {
        // A subscription covers only events recorded after it, so nothing before the first start
        // can be due; a new deployment does not read the whole history to find that out.
        Options.SubscribeFromPresent();
        // An event the dispatch has not reached when its stream is archived is still due (docs/archiving.md).
        IncludeArchivedEvents = true;
    }

    public override async Task ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, IMessageBus bus, CancellationToken ct)
    {
        await TakeOnNew(page.SequenceFloor, operations, bus, ct);

        var events = page.Events.Where(x => x.Data is ICaseEvent).ToList();
        if (events.Count == 0) return;

        // Whoever follows the person under any id of their group is told (Subscription.Follows).
        var groups = await PersonMerges.GroupsOfAsync(operations, [.. events.Select(x => DefendantProfileProjection.Concerning(x.Data)).OfType<Guid>()], ct);
        var targets = events.Select(x => x.StreamId).Concat(groups.Keys).Distinct().ToArray();
        var followers = await operations.Query<Subscription>().Where(x => x.WebhookUrl != null && x.TargetId.IsOneOf(targets)).ToListAsync(ct);
        foreach (var e in events)
        {
            foreach (var subscription in followers.Where(x => x.Covers(e, groups)))
            {
                await bus.PublishAsync(new DeliverWebhook(subscription.Id, e.Id));
            }
        }
    }

    /// <summary>
    /// A subscription stored while an earlier page was being dispatched may cover events of that page
    /// (its start is the highest sequence when it was stored, and that page was already under way).
    /// The first page that sees it sends those events too, and marks it seen in the same transaction.
    /// </summary>
    private static async Task TakeOnNew(long floor, IDocumentOperations operations, IMessageBus bus, CancellationToken ct)
    {
        var fresh = await operations.Query<Subscription>().Where(x => x.WebhookUrl != null && x.DispatchedAfter == null).ToListAsync(ct);
        foreach (var subscription in fresh)
        {
            if (subscription.StartsAfter < floor)
            {
                foreach (var e in await Missed(subscription, floor, operations, ct))
                {
                    await bus.PublishAsync(new DeliverWebhook(subscription.Id, e.Id));
                }
            }

            operations.Patch<Subscription>(subscription.Id).Set(x => x.DispatchedAfter, floor);
        }
    }

    /// <summary>The events a subscription covers up to <paramref name="floor"/>, from its start.</summary>
    private static async Task<IEnumerable<IEvent>> Missed(Subscription subscription, long floor, IDocumentOperations operations, CancellationToken ct)
    {
        var groups = await Subscription.GroupsAsync(operations, [subscription], ct);
        var streams = subscription.Kind == SubscriptionKind.Case
            ? [subscription.TargetId]
            : await DefendantEndpoints.CasesOf(operations, [.. subscription.Follows(groups)], ct);
        var events = await operations.Events.Everything()
            .Where(x => x.StreamId.IsOneOf(streams) && x.Sequence > subscription.StartsAfter && x.Sequence <= floor)
            .OrderBy(x => x.Sequence)
            .ToListAsync(ct);
        return events.Where(x => subscription.Covers(x, groups));
    }
}
