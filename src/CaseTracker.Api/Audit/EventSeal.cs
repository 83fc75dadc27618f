using CaseTracker.Api.Cases;
using CaseTracker.Api.Idempotency;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;

namespace CaseTracker.Api.Audit;

/// <summary>
/// Seals every case event as the session commits: chains its hash to its predecessor's, signs the
/// hash, and records the request's Idempotency-Key in the same transaction as the event it produced.
/// It runs after Marten has numbered the events and before the batch is sent.
/// </summary>
public sealed class EventSeal(AuditKey key) : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var stream in session.PendingChanges.Streams())
        {
            if (stream.Events.Count == 0) continue;

            var previous = await PreviousHash(session, stream, token);
            foreach (var e in stream.Events)
            {
                previous = Seal(session, e, previous);
                Remember(session, stream, e);
            }
        }
    }

    private string Seal(IDocumentSession session, IEvent e, string previous)
    {
        var fact = e.Data as ICaseEvent
                   ?? throw new InvalidOperationException($"{e.EventType.Name} is not a case event and cannot be chained.");
        var actor = new Actor(e.UserName ?? "system", e.GetHeader(EventHeaders.Role)?.ToString(), e.GetHeader(EventHeaders.Agency)?.ToString());
        var canonical = HashChain.Canonical(e.EventTypeName, session.DocumentStore.Options.Serializer().ToJson(e.Data), fact.OccurredAt, actor, e.Version);
        var hash = HashChain.Next(previous, canonical);

        e.SetHeader(EventHeaders.PreviousHash, previous);
        e.SetHeader(EventHeaders.Hash, hash);
        e.SetHeader(EventHeaders.Signature, key.Sign(hash));
        return hash;
    }

    private static void Remember(IDocumentSession session, StreamAction stream, IEvent e)
    {
        if (e.GetHeader(EventHeaders.IdempotencyKey) is not { } idempotencyKey || e.UserName is null) return;

        // Insert, not store: a second request with the same key racing this one fails at commit
        // and is answered from this record when it is retried.
        session.Insert(new IdempotencyRecord(
            IdempotencyRecord.IdFor(e.UserName, idempotencyKey.ToString()!),
            e.GetHeader(EventHeaders.RequestHash)?.ToString() ?? "",
            stream.Id,
            e.Version));
    }

    private static async Task<string> PreviousHash(IDocumentSession session, StreamAction stream, CancellationToken token)
    {
        if (stream.ActionType == StreamActionType.Start) return HashChain.Genesis;

        // The chain needs the exact predecessor, so appends must say which version they build on;
        // FetchForWriting (Wolverine's aggregate workflow) always does.
        var expected = stream.ExpectedVersionOnServer
                       ?? throw new InvalidOperationException($"Appends to case {stream.Id} must name the version they expect.");
        if (expected == 0) return HashChain.Genesis;

        var found = await session.QueryAsync<string>(
            $"select headers ->> '{EventHeaders.Hash}' from {StoreConfiguration.Schema}.mt_events where stream_id = ? and version = ?",
            token, stream.Id, expected);
        return found.SingleOrDefault()
               ?? throw new InvalidOperationException($"Case {stream.Id} has no sealed event at version {expected}.");
    }
}
