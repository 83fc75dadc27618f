using System.Security.Claims;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Notifications;

/// <summary>One event, told to one subscription.</summary>
/// <param name="Sequence">the event's global sequence: notifications come in this order, and a client resumes after the last one it holds</param>
/// <param name="DefendantId">the person the event names, if any</param>
/// <param name="OccurredAt">when it happened (business time)</param>
/// <param name="RecordedAt">when CaseTracker recorded it</param>
public record Notification(
    long Sequence,
    Guid SubscriptionId,
    Guid EventId,
    string Type,
    Guid CaseId,
    Guid? DefendantId,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    string Summary);

/// <summary>
/// A reader's notifications: the feed rows of the cases and people they follow, after each
/// subscription's start, and only where the case is one both the subscriber (as recorded when they
/// subscribed) and the reader now may see. Visibility is judged here, at every read, so a case
/// restricted later stops showing to outsiders at once, its earlier notifications included.
/// </summary>
public static class NotificationReader
{
    /// <summary>Feed rows read per round trip.</summary>
    private const int Page = 200;

    /// <summary>
    /// At most <paramref name="limit"/> notifications after <paramref name="after"/>, oldest first;
    /// a page ends between events, never inside one, so it may run over by the notifications that
    /// share its last sequence. <c>More</c> says whether a next page may hold more.
    /// </summary>
    public static async Task<(List<Notification> Items, bool More)> ReadAsync(
        IQuerySession session, ClaimsPrincipal reader, long after, int limit, CancellationToken ct)
    {
        var user = reader.FindFirst(ActorClaims.User)!.Value;
        var subscriptions = await session.Query<Subscription>().Where(x => x.User == user).ToListAsync(ct);
        if (subscriptions.Count == 0) return ([], false);

        var groups = await Subscription.GroupsAsync(session, subscriptions, ct);
        var byTarget = subscriptions.OrderBy(x => x.Id).SelectMany(s => s.Follows(groups).Select(target => (target, s))).ToLookup(x => x.target, x => x.s);
        var subscribers = subscriptions.ToDictionary(x => x.Id, x => x.Subscriber());
        var targets = byTarget.Select(x => x.Key).ToArray();
        var cursor = Math.Max(after, subscriptions.Min(x => x.StartsAfter));
        var found = new List<Notification>();
        var exhausted = false;
        while (found.Count < limit && !exhausted)
        {
            var rows = await session.Query<FeedEntry>()
                .Where(x => x.TargetId.IsOneOf(targets) && x.Sequence > cursor)
                .OrderBy(x => x.Sequence)
                .Take(Page)
                .ToListAsync(ct);
            exhausted = rows.Count < Page;
            // An event's rows (its case's and its person's) share its sequence.
            if (!exhausted) rows = [.. rows.Where(x => x.Sequence < rows[^1].Sequence)];
            if (rows.Count == 0) break;

            var cases = (await session.LoadManyAsync<CaseHeader>(ct, rows.Select(x => x.CaseId).Distinct()))
                .ToDictionary(x => x.CaseId);
            var orders = await Disclosure.ForAsync(session, reader, Subscription.Judged(rows.Select(x => x.DefendantId), groups), ct);
            foreach (var row in rows)
            {
                var header = cases.GetValueOrDefault(row.CaseId);
                if (!header.Shows(reader)) continue;
                found.AddRange(byTarget[row.TargetId]
                    .Where(s => row.Sequence > s.StartsAfter && header.Shows(subscribers[s.Id])
                                && s.Reaches(row.DefendantId, groups, orders, reader) && s.Reaches(row.DefendantId, groups, orders, subscribers[s.Id]))
                    .Select(s => row.To(s.Id)));
            }

            cursor = rows[^1].Sequence;
        }

        found.Sort((a, b) => a.Sequence != b.Sequence ? a.Sequence.CompareTo(b.Sequence) : a.SubscriptionId.CompareTo(b.SubscriptionId));
        if (found.Count <= limit) return (found, !exhausted);

        var last = found[limit - 1].Sequence;
        return ([.. found.TakeWhile((x, i) => i < limit || x.Sequence == last)], true);
    }

    /// <summary>The ids a page of notifications shows, for the read log.</summary>
    public static IEnumerable<Guid> Shown(IEnumerable<Notification> notifications) =>
        notifications.SelectMany(x => x.DefendantId is { } person ? [x.CaseId, person] : new[] { x.CaseId }).Distinct();
}

public static class NotificationEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>Lists the caller's notifications.</summary>
    /// <remarks>
    /// Oldest first, after the sequence <paramref name="after"/> (the last one the client holds). A
    /// full page ends with a <c>Link: rel="next"</c> header. Notifications are built a moment after
    /// the event is recorded (an asynchronous projection), so a new one appears within about a second.
    /// </remarks>
    [WolverineGet("/api/notifications", OperationId = "ListNotifications")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<Notification[]>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(long? after, int? limit, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var problems = new Validation()
            .Rule(after is null or >= 0, "after", "must be 0 or more")
            .Rule(limit is null or (>= 1 and <= MaxLimit), "limit", $"must be from 1 to {MaxLimit}")
            .Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        var take = limit ?? DefaultLimit;
        var (items, more) = await NotificationReader.ReadAsync(session, http.User, after ?? 0, take, ct);
        ReadAudit.Shown(http, NotificationReader.Shown(items));
        if (more && items.Count > 0)
        {
            http.Response.Headers.Link = $"</api/notifications?after={items[^1].Sequence}&limit={take}>; rel=\"next\"";
        }

        return Results.Json(items);
    }
}
