using JasperFx.Events;
using Marten;
using Marten.Events.Archiving;

namespace CaseTracker.Api.Storage;

/// <summary>
/// Every read of events through Marten's typed API goes through here. Marten leaves the events of an
/// archived stream out of <c>FetchStreamAsync</c>, <c>AggregateStreamAsync</c> and
/// <c>QueryAllRawEvents</c>, and CaseTracker archives the streams of cases closed long ago
/// (docs/archiving.md): a time-travel read, a retraction's original, an expungement's search for a
/// person's names must find those events all the same. The Marten calls that would silently skip
/// them are banned in this project (BannedSymbols.txt), so a read that forgets this fails the build.
/// </summary>
public static class StoredStreams
{
    /// <summary>Every event, archived or not, to be narrowed by the caller.</summary>
    public static IQueryable<IEvent> Everything(this Marten.Events.IQueryEventStore events) =>
#pragma warning disable RS0030 // the one call the ban exists to route every read through
        events.QueryAllRawEvents().Where(x => x.MaybeArchived());
#pragma warning restore RS0030

    /// <summary>
    /// One stream's events, oldest first, archived or not: from <paramref name="fromVersion"/>, up to
    /// <paramref name="upToVersion"/> (all when 0) and recorded at or before <paramref name="knownAt"/>;
    /// the bounds of Marten's <c>FetchStreamAsync</c>.
    /// </summary>
    public static async Task<IReadOnlyList<IEvent>> ReadStreamAsync(
        this Marten.Events.IQueryEventStore events, Guid streamId, CancellationToken ct,
        long upToVersion = 0, DateTimeOffset? knownAt = null, long fromVersion = 0)
    {
        var query = events.Everything().Where(x => x.StreamId == streamId);
        if (fromVersion > 0) query = query.Where(x => x.Version >= fromVersion);
        if (upToVersion > 0) query = query.Where(x => x.Version <= upToVersion);
        if (knownAt is { } at) query = query.Where(x => x.Timestamp <= at);
        return await query.OrderBy(x => x.Version).ToListAsync(ct);
    }
}
