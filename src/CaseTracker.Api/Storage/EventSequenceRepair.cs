using Marten;
using Npgsql;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace CaseTracker.Api.Storage;

/// <summary>
/// Keeps Marten's event sequence (<c>mt_events_sequence</c>) through every rebuild of the event
/// tables. Turning on archived-stream partitioning converts an existing store's <c>mt_events</c>
/// into a partitioned table, and Weasel does it by copying the rows out, dropping the table with
/// CASCADE and creating it again. Marten creates the sequence owned by <c>mt_events.seq_id</c>, so
/// the drop took it along: it was gone, or created again from 1, and the next append collided with
/// the first event (docs/archiving.md, "Upgrading a store").
/// <para>
/// Weasel runs a database's initializers at the head of every migration it makes, whoever asks for
/// it: the start-up apply, <c>db-apply</c>, <c>resources setup</c>, and the first use of a table by
/// any verb (Marten's AutoCreate), which is how <c>audit verify</c> or <c>event-query</c> convert
/// a store. Before any of them reads the catalog, this one makes the sequence a freestanding one,
/// as Marten keeps its per-tenant event sequences, so that no drop of the table can take it. A
/// sequence already lost or rewound (a store converted by an earlier CaseTracker without this) is
/// created again, or moved, to continue after the highest stored event. A new store gets its
/// sequence from here, freestanding from the start, before Marten would create it.
/// </para>
/// Once the sequence stands on its own, a migration costs one catalog query, and nothing at all
/// after the first in a process: no event is read. Weasel also runs initializers before the checks
/// that only compare (<c>db-assert</c>, <c>db-patch</c>), which therefore free the sequence too.
/// </summary>
public sealed class EventSequenceRepair(IDocumentStore store, ILogger logger) : IDatabaseInitializer<NpgsqlConnection>
{
    private volatile bool _standsAlone;

    /// <summary>Marten builds the store's database itself; the repair is added to it as the store is built.</summary>
    public static IDocumentStore AddTo(IDocumentStore store, ILogger<EventSequenceRepair> logger)
    {
        ((PostgresqlDatabase)store.Storage.Database).AddInitializer(new EventSequenceRepair(store, logger));
        return store;
    }

    public async Task InitializeAsync(NpgsqlConnection connection, CancellationToken token)
    {
        if (_standsAlone) return;

        var schema = store.Options.Events.DatabaseSchemaName;
        var sequence = $"{schema}.mt_events_sequence";
        bool tables, exists, owned;
        await using (var state = new NpgsqlCommand(
                         """
                         select events is not null, sequence is not null,
                                exists (select 1 from pg_depend
                                        where classid = 'pg_class'::regclass and objid = sequence
                                          and refclassid = 'pg_class'::regclass and refobjid = events and deptype = 'a')
                         from (select to_regclass(@events)::oid as events, to_regclass(@sequence)::oid as sequence) names
                         """, connection))
        {
            state.Parameters.AddWithValue("events", store.Events());
            state.Parameters.AddWithValue("sequence", sequence);
            await using var reader = await state.ExecuteReaderAsync(token);
            await reader.ReadAsync(token);
            (tables, exists, owned) = (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2));
        }

        if (exists && !owned)
        {
            _standsAlone = true;
            return;
        }

        // Only what is missing, so that a role without DDL rights asks for nothing when all is in place.
        // A new store gets its sequence before Marten creates it, and so freestanding from the start.
        List<string> steps = [];
        if (!tables) steps.Add($"create schema if not exists {schema}");
        if (!exists) steps.Add($"create sequence if not exists {sequence}");
        if (owned) steps.Add($"alter sequence {sequence} owned by none");
        var catchUp = $"""
                       select setval('{sequence}', stored.highest)
                       from (select max(seq_id) as highest from {store.Events()}) stored, {sequence} current
                       where stored.highest > (case when current.is_called then current.last_value else current.last_value - 1 end)
                       """;
        if (tables) steps.Add(catchUp);

        object? moved;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            await using var repair = new NpgsqlCommand(string.Join(";\n", steps), connection, transaction);
            moved = await repair.ExecuteScalarAsync(token);
            await transaction.CommitAsync(token);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // A sequence that belongs to a table has the table's owner, and only that owner may drop the
            // table: a role that may not change the sequence cannot convert the tables either. It may
            // still be allowed to move the sequence on, which a store converted by an earlier build needs.
            logger.LogWarning("The event sequence still belongs to {Events} and this role may not change it ({Reason}); db-apply, run by the tables' owner, will", store.Events(), e.MessageText);
            moved = null;
            if (tables)
            {
                try
                {
                    await using var alone = new NpgsqlCommand(catchUp, connection);
                    moved = await alone.ExecuteScalarAsync(token);
                }
                catch (PostgresException denied) when (denied.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                {
                    logger.LogWarning("This role may not move the event sequence on either ({Reason})", denied.MessageText);
                }
            }

            owned = false;
        }

        _standsAlone = true;
        if (moved is long highest)
        {
            logger.LogWarning("The event sequence was behind the stored events (the tables were converted without it); it continues after {Sequence}", highest);
        }
        else if (owned)
        {
            logger.LogInformation("The event sequence no longer belongs to {Events}, so that a rebuild of the table keeps it", store.Events());
        }
    }
}
