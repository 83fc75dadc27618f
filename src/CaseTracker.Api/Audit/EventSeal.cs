using System.Collections.Concurrent;
using System.Text.Json;
using CaseTracker.Api.Idempotency;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Services;

namespace CaseTracker.Api.Audit;

/// <summary>
/// Seals every event as the session commits, whatever its stream (a case's, an exhibit's): chains
/// its hash to its predecessor's in the same stream, signs the hash, and records the request's
/// Idempotency-Key in the same transaction as the event it produced. It runs after Marten has
/// numbered the events and before the batch is sent.
/// </summary>
public sealed class EventSeal(AuditKey key, TimeProvider clock) : DocumentSessionListenerBase
{
    private readonly ChainHeads _heads = new();

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var stream in session.PendingChanges.Streams())
        {
            if (stream.Events.Count == 0) continue;

            var previous = await PreviousHash(session, stream, token);
            foreach (var e in stream.Events) previous = Seal(session, stream.Id, e, previous);
            RecordIdempotencyKey(session, stream);
        }
    }

    private string Seal(IDocumentSession session, Guid streamId, IEvent e, string previous) =>
        // The recording time is taken here rather than by PostgreSQL, so that the hash can cover it
        // (Marten stores the event's own timestamp in its default append mode; docs/audit.md).
        Seal(e, streamId, previous, clock.GetUtcNow(), session.DocumentStore.Options.Serializer(), key);

    /// <summary>
    /// Seals one event after <paramref name="previous"/>, the hash of its predecessor in the stream
    /// (<see cref="HashChain.Genesis"/> for the first): sets its recording time, then chains, hashes
    /// and signs it, and returns its hash. The one rule for what a sealed event carries, used by this
    /// listener and by whatever stores events without a session (a bulk load must seal the same way,
    /// or <c>audit verify</c> would refuse what it loaded).
    /// </summary>
    public static string Seal(IEvent e, Guid streamId, string previous, DateTimeOffset recordedAt, ISerializer serializer, AuditKey key)
    {
        var fact = e.Data as IFact
                   ?? throw new InvalidOperationException($"{e.EventType.Name} has no business time and cannot be chained.");
        var actor = new Actor(e.UserName ?? Actor.SystemUser, e.GetHeader(EventHeaders.Role)?.ToString(), e.GetHeader(EventHeaders.Agency)?.ToString());

        e.Timestamp = HashChain.StorablePrecision(recordedAt);
        e.SetHeader(EventHeaders.Seal, EventHeaders.CurrentSeal);
        var recording = new Recording(
            streamId, e.Id, e.DotNetTypeName, e.Timestamp, e.CorrelationId, e.CausationId,
            Recording.Covered(JsonSerializer.SerializeToNode(e.Headers)!.AsObject()));
        var canonical = HashChain.Canonical(e.EventTypeName, serializer.ToJson(e.Data), fact.OccurredAt, actor, e.Version, recording);
        var hash = HashChain.Next(previous, canonical);

        e.SetHeader(EventHeaders.PreviousHash, previous);
        e.SetHeader(EventHeaders.Hash, hash);
        e.SetHeader(EventHeaders.Signature, key.Sign(hash));
        return hash;
    }

    /// <summary>One record per command, whatever it appends: it answers for the command's last event.</summary>
    private static void RecordIdempotencyKey(IDocumentSession session, StreamAction stream)
    {
        var e = stream.Events[^1];
        if (e.GetHeader(EventHeaders.IdempotencyKey) is not { } idempotencyKey || e.UserName is null) return;

        // Insert, not store: a second request with the same key racing this one fails at commit
        // and is answered from this record when it is retried.
        session.Insert(new IdempotencyRecord(
            IdempotencyRecord.IdFor(e.UserName, idempotencyKey.ToString()!),
            e.GetHeader(EventHeaders.RequestHash)?.ToString() ?? "",
            stream.Id,
            e.Version));
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var stream in commit.GetStreams())
        {
            if (stream.Events.Count > 0 && stream.Events[^1].GetHeader(EventHeaders.Hash) is { } hash)
            {
                _heads.Remember(stream.Id, stream.Events[^1].Version, hash.ToString()!);
            }
        }

        return Task.CompletedTask;
    }

    private async Task<string> PreviousHash(IDocumentSession session, StreamAction stream, CancellationToken token)
    {
        if (stream.ActionType == StreamActionType.Start) return HashChain.Genesis;

        // The chain needs the exact predecessor, so appends must say which version they build on;
        // FetchForWriting (Wolverine's aggregate workflow) always does.
        var expected = stream.ExpectedVersionOnServer
                       ?? throw new InvalidOperationException($"Appends to stream {stream.Id} must name the version they expect.");
        if (expected == 0) return HashChain.Genesis;
        if (_heads.Find(stream.Id, expected) is { } remembered) return remembered;

        var found = await session.QueryAsync<string>(
            $"select headers ->> '{EventHeaders.Hash}' from {session.DocumentStore.Events()} where stream_id = ? and version = ?",
            token, stream.Id, expected);
        return found.SingleOrDefault()
               ?? throw new InvalidOperationException($"Stream {stream.Id} has no sealed event at version {expected}.");
    }
}

/// <summary>
/// The hash at the head of each stream this node sealed recently, remembered once the commit
/// succeeded so that the next append need not read it back (one round trip of seven per command).
/// An entry answers only for the exact version it was committed at, so a stream another node has
/// appended to since is a miss and is read from the database, never linked to a stale head.
/// </summary>
internal sealed class ChainHeads
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<Guid, (long Version, string Hash)> _heads = new();

    public string? Find(Guid streamId, long version) =>
        _heads.TryGetValue(streamId, out var head) && head.Version == version ? head.Hash : null;

    public void Remember(Guid streamId, long version, string hash)
    {
        // Forgetting everything at once is crude but safe: a miss costs one query.
        if (_heads.Count >= Capacity) _heads.Clear();
        _heads[streamId] = (version, hash);
    }
}
