using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Operations;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Notifications;

public static class UnsubscribeEndpoint
{
    /// <summary>Stops following: ends one of the caller's subscriptions.</summary>
    /// <remarks>
    /// The subscription, its webhook secret and its notifications are gone; deliveries still
    /// queued for its webhook are dropped. Another user's subscription answers 404, like one that
    /// does not exist.
    /// </remarks>
    [WolverineDelete("/api/subscriptions/{subscriptionId:guid}")]
    [Authorize(Policy = Policies.Record)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [Refuses(StatusCodes.Status404NotFound, "No such subscription of the calling user.")]
    public static async Task<IResult> Delete(Guid subscriptionId, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await SubscriptionEndpoints.OwnAsync(session, subscriptionId, user, ct) is null)
        {
            return Results.Problem(SubscriptionEndpoints.NoSubscription(subscriptionId));
        }

        session.Delete<Subscription>(subscriptionId);
        return Results.NoContent();
    }
}
