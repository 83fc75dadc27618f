using System.Security.Claims;
using System.Text.Json.Serialization;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Http;
using CaseTracker.Api.Operations;
using CaseTracker.Api.Privacy;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Notifications;

public static class SubscriptionKind
{
    public const string Defendant = "defendant";
    public const string Case = "case";

    public static readonly IReadOnlyList<string> All = [Defendant, Case];
}

/// <summary>
/// One user following one case or person. A document, not an event: following is a preference of
/// the user, not a fact of any case, and its webhook secret must be erasable when it ends. Which
/// events it covers is fixed when it is stored (<see cref="StartsAfter"/>), so the notifications it
/// yields are a function of the events alone and read the same after any rebuild.
/// </summary>
public class Subscription
{
    public Guid Id { get; set; }

    /// <summary>Who follows, and with which role and agency: need-to-know is judged against these at every delivery and read.</summary>
    public string User { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Agency { get; set; }

    public string Kind { get; set; } = "";
    public Guid TargetId { get; set; }
    public string? WebhookUrl { get; set; }

    /// <summary>Signs each webhook delivery; never shown again after the subscription is created.</summary>
    public string? Secret { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The event store's highest sequence when the subscription was stored: it covers exactly the
    /// events after that one.
    /// </summary>
    public long StartsAfter { get; set; }

    /// <summary>
    /// Set by <see cref="WebhookDispatch"/> when it first sees a subscription with a webhook: the
    /// position it had then reached. Events between <see cref="StartsAfter"/> and this one (committed
    /// while the subscription itself was being stored) are dispatched at that moment, so the webhook
    /// receives exactly what the notification list shows.
    /// </summary>
    public long? DispatchedAfter { get; set; }

    /// <summary>
    /// The case, or the people, whose events this subscription is told: a person under any id of
    /// their group as it stands now (docs/merges.md), since a merge says the ids are one person.
    /// </summary>
    /// <param name="groups">the groups the followed people belong to, by member (<see cref="PersonMerges.GroupsOfAsync"/>)</param>
    public IReadOnlyList<Guid> Follows(IReadOnlyDictionary<Guid, MergeGroup> groups) =>
        Kind == SubscriptionKind.Defendant && groups.TryGetValue(TargetId, out var group) ? group.Members : [TargetId];

    /// <summary>Whether this subscription covers the event: after it began, and about its case or person.</summary>
    public bool Covers(IEvent e, IReadOnlyDictionary<Guid, MergeGroup> groups) =>
        e.Sequence > StartsAfter && Kind switch
        {
            SubscriptionKind.Case => e.StreamId == TargetId,
            SubscriptionKind.Defendant => DefendantProfileProjection.Concerning(e.Data) is { } person && Follows(groups).Contains(person),
            _ => false,
        };

    /// <summary>
    /// Whether an event naming this person (or no one) may be told to this reader through this
    /// subscription: nothing about a person sealed from them, whatever they follow; and for a
    /// followed person, nothing at all while the survivor of their group is sealed from them, as the
    /// group's profile is then unknown to them too (docs/merges.md).
    /// </summary>
    public bool Reaches(Guid? named, IReadOnlyDictionary<Guid, MergeGroup> groups, Disclosure orders, ClaimsPrincipal reader) =>
        !(named is { } person && orders.Hides(person, reader))
        && !(Kind == SubscriptionKind.Defendant && groups.TryGetValue(TargetId, out var group) && orders.Hides(group.SurvivorId, reader));

    /// <summary>The people whose orders <see cref="Reaches"/> asks about: those the events name, and the survivors of the followed groups.</summary>
    public static IEnumerable<Guid> Judged(IEnumerable<Guid?> named, IReadOnlyDictionary<Guid, MergeGroup> groups) =>
        named.OfType<Guid>().Concat(groups.Values.Select(x => x.SurvivorId)).Distinct();

    /// <summary>The groups of the people these subscriptions follow, by member.</summary>
    public static Task<IReadOnlyDictionary<Guid, MergeGroup>> GroupsAsync(IQuerySession session, IEnumerable<Subscription> subscriptions, CancellationToken ct) =>
        PersonMerges.GroupsOfAsync(session, [.. subscriptions.Where(x => x.Kind == SubscriptionKind.Defendant).Select(x => x.TargetId)], ct);

    /// <summary>The subscriber as they were when they subscribed, for the need-to-know rules of <see cref="CaseAccess"/>.</summary>
    public ClaimsPrincipal Subscriber()
    {
        List<Claim> claims = [new(ActorClaims.User, User), new(ActorClaims.Role, Role)];
        if (Agency is not null) claims.Add(new Claim(ActorClaims.Agency, Agency));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "subscription", ActorClaims.User, ActorClaims.Role));
    }

    public SubscriptionView View() => new(Id, Kind, TargetId, WebhookUrl, CreatedAt, StartsAfter);
}

/// <summary>A subscription as its owner reads it: the secret is never read back.</summary>
/// <param name="StartsAfter">the event sequence after which events are covered; notifications carry the sequence of their event</param>
public record SubscriptionView(
    Guid SubscriptionId,
    string Kind,
    Guid TargetId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WebhookUrl,
    DateTimeOffset CreatedAt,
    long StartsAfter);

public static class SubscriptionEndpoints
{
    /// <summary>Lists the caller's subscriptions.</summary>
    /// <remarks>The cases and people the calling user follows, oldest first. Secrets are never shown.</remarks>
    [WolverineGet("/api/subscriptions", OperationId = "ListSubscriptions")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<SubscriptionView[]>(StatusCodes.Status200OK)]
    public static async Task<IReadOnlyList<SubscriptionView>> List(IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var owner = user.FindFirst(ActorClaims.User)!.Value;
        var found = await session.Query<Subscription>().Where(x => x.User == owner).OrderBy(x => x.CreatedAt).ThenBy(x => x.Id).ToListAsync(ct);
        return [.. found.Select(x => x.View())];
    }

    /// <summary>Reads one of the caller's subscriptions.</summary>
    /// <remarks>Another user's subscription answers 404, like one that does not exist.</remarks>
    [WolverineGet("/api/subscriptions/{subscriptionId:guid}", OperationId = "GetSubscription")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<SubscriptionView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status404NotFound, "No such subscription of the calling user.")]
    public static async Task<IResult> Get(Guid subscriptionId, IQuerySession session, ClaimsPrincipal user, CancellationToken ct) =>
        await OwnAsync(session, subscriptionId, user, ct) is { } found
            ? Results.Json(found.View())
            : Results.Problem(NoSubscription(subscriptionId));

    /// <summary>The subscription, if it exists and belongs to this user.</summary>
    public static async Task<Subscription?> OwnAsync(IQuerySession session, Guid subscriptionId, ClaimsPrincipal user, CancellationToken ct) =>
        await session.LoadAsync<Subscription>(subscriptionId, ct) is { } found && found.User == user.FindFirst(ActorClaims.User)?.Value
            ? found
            : null;

    /// <summary>Another user's subscription and one that does not exist answer alike.</summary>
    public static ProblemDetails NoSubscription(Guid subscriptionId) => Problems.NotFound($"No subscription {subscriptionId}.");
}
