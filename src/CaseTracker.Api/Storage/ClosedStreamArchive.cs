using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CaseTracker.Api.Storage;

/// <param name="ClosedBefore">streams whose closing fact was recorded at or before this time were archived</param>
/// <param name="Cases">case streams archived by this run</param>
/// <param name="Exhibits">exhibit streams archived by this run</param>
/// <param name="Failed">streams the run could not archive, with PostgreSQL's reason; the others were archived all the same</param>
public sealed record ArchiveRun(DateTimeOffset ClosedBefore, int Cases, int Exhibits, IReadOnlyList<(Guid StreamId, string Reason)> Failed);

/// <summary>
/// Moves the streams of closed cases and disposed exhibits to the archived partition once their
/// closing fact has stood for <c>Archive:ClosedForDays</c> (docs/archiving.md). Archiving is
/// storage, not a fact: nothing is appended, every read model keeps its rows, and every read of
/// events in CaseTracker includes archived ones (<see cref="StoredStreams"/>), so only the tables
/// that commands and the daemon walk get smaller.
/// </summary>
public sealed class ClosedStreamArchive(IDocumentStore store, IConfiguration configuration, TimeProvider clock)
{
    public const int DefaultClosedForDays = 365;

    /// <summary>Streams archived per transaction: each is a copy and a delete of every event it holds.</summary>
    public const int DefaultBatch = 200;

    public int ClosedForDays { get; } = configuration.GetValue("Archive:ClosedForDays", DefaultClosedForDays);

    public Task<ArchiveRun> RunAsync(int closedForDays, int batch, CancellationToken ct) =>
        RunAsync(clock.GetUtcNow().AddDays(-closedForDays), batch, ct);

    public async Task<ArchiveRun> RunAsync(DateTimeOffset closedBefore, int batch, CancellationToken ct)
    {
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            // Marten's first session would convert unpartitioned tables on the spot, in no maintenance window.
            await connection.OpenAsync(ct);
            await using var partitioned = new NpgsqlCommand($"select relkind = 'p' from pg_class where oid = to_regclass('{store.Events()}')", connection);
            if (await partitioned.ExecuteScalarAsync(ct) is not true)
            {
                throw new InvalidOperationException(
                    "The event tables are not partitioned yet: run db-apply (in a maintenance window on a large store), then archive (docs/archiving.md).");
            }
        }

        var candidates = await CandidatesAsync(closedBefore, ct);
        var failed = new List<(Guid, string)>();
        foreach (var chunk in candidates.Chunk(Math.Max(1, batch)))
        {
            try
            {
                await ArchiveAsync(chunk, ct);
            }
            catch (Exception e) when (Refusal(e) is not null)
            {
                // One stream the guard or a constraint refuses must not hold back the rest of its
                // batch, every night: each is tried alone, and those that fail are reported.
                foreach (var stream in chunk)
                {
                    try
                    {
                        await ArchiveAsync([stream], ct);
                    }
                    catch (Exception alone) when (Refusal(alone) is { } refusal)
                    {
                        failed.Add((stream.StreamId, refusal.MessageText));
                    }
                }
            }
        }

        var archived = candidates.ExceptBy(failed.Select(x => x.Item1), x => x.StreamId).ToList();
        var closedCases = archived.Count(x => x.ClosedBy == typeof(CaseClosed).GetEventTypeName());
        return new ArchiveRun(closedBefore, closedCases, archived.Count - closedCases, failed);
    }

    /// <summary>PostgreSQL's refusal, however deep Marten wrapped it.</summary>
    private static PostgresException? Refusal(Exception? e) => e switch
    {
        null => null,
        PostgresException postgres => postgres,
        _ => Refusal(e.InnerException),
    };

    private async Task ArchiveAsync(IReadOnlyCollection<(Guid StreamId, string ClosedBy)> streams, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        foreach (var (streamId, _) in streams) session.Events.ArchiveStream(streamId);
        // The active partition's key no longer covers an archived id; the identity table does,
        // but a stream started before partitioning was turned on has no row there yet.
        session.QueueSqlCommand(
            $"insert into {store.Options.Events.DatabaseSchemaName}.mt_streams_identity (id) select unnest(?) on conflict do nothing",
            streams.Select(x => x.StreamId).ToArray());
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Streams still active whose last event is a closing one (<see cref="IFinalFact"/>) recorded at
    /// or before <paramref name="closedBefore"/>. A stream's row carries the time of its last append,
    /// so one pass over the stream table and a lookup of each candidate's last event find them, with
    /// no scan of the events.
    /// </summary>
    private async Task<IReadOnlyList<(Guid StreamId, string ClosedBy)>> CandidatesAsync(DateTimeOffset closedBefore, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
             select s.id, e.type
             from {store.Streams()} s
             join {store.Events()} e on e.stream_id = s.id and e.version = s.version and not e.is_archived
             where not s.is_archived and s.timestamp <= @closedBefore and e.type = any(@closing)
             order by s.timestamp
             """, connection);
        command.Parameters.AddWithValue("closedBefore", closedBefore);
        command.Parameters.AddWithValue("closing", FinalFacts.EventTypeNames.ToArray());

        var found = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found.Add((reader.GetGuid(0), reader.GetString(1)));
        return found;
    }
}
