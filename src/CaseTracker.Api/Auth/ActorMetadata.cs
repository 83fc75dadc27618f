using CaseTracker.Api.Audit;
using CaseTracker.Api.Http;
using CaseTracker.Api.Idempotency;
using Marten;

namespace CaseTracker.Api.Auth;

/// <summary>
/// Wolverine middleware on every command: stamps the session with who is acting (the token's user,
/// role and agency), the correlation id and a first-time Idempotency-Key, so that Marten writes
/// them onto each event the command appends.
/// </summary>
public static class ActorMetadata
{
    public static void Before(HttpContext http, IDocumentSession session)
    {
        var user = http.User;
        session.LastModifiedBy = user.FindFirst(ActorClaims.User)?.Value;
        session.CorrelationId = CorrelationIds.For(http);
        if (user.FindFirst(ActorClaims.Role)?.Value is { } role) session.SetHeader(EventHeaders.Role, role);
        if (user.FindFirst(ActorClaims.Agency)?.Value is { } agency) session.SetHeader(EventHeaders.Agency, agency);

        if (http.Features.Get<PendingIdempotency>() is { } pending)
        {
            session.SetHeader(EventHeaders.IdempotencyKey, pending.Key);
            session.SetHeader(EventHeaders.RequestHash, pending.RequestHash);
        }
    }
}
