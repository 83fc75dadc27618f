using Marten;
using Npgsql;

namespace CaseTracker.Api.Storage;

/// <summary>
/// Turning on archived-stream partitioning converts an existing store's <c>mt_events</c> and
/// <c>mt_streams</c> into partitioned tables. Weasel does it by copying the rows out, dropping the
/// tables and creating them again, and the drop takes the event sequence (owned by
/// <c>mt_events.seq_id</c>) with it: it is gone, or created again from 1, and the next append
/// collides with the first event (docs/archiving.md, "Upgrading a store"). Before anything reads or
/// writes on this start, the event tables are brought to this build's shape and the sequence made
/// to continue after the highest stored event, as Marten would have it (same name, same owner).
/// Idempotent, and a no-op on a store that is already right.
/// </summary>
public sealed class EventSequenceRepair(IDocumentStore store, ILogger<EventSequenceRepair> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(JasperFx.Events.IEvent), cancellationToken);

        var sequence = $"{store.Options.Events.DatabaseSchemaName}.mt_events_sequence";
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             create sequence if not exists {sequence} owned by {store.Events()}.seq_id;
             select setval('{sequence}', stored.highest)
             from (select max(seq_id) as highest from {store.Events()}) stored, {sequence} current
             where stored.highest > (case when current.is_called then current.last_value else 0 end);
             """, connection);
        if (await command.ExecuteScalarAsync(cancellationToken) is long moved)
        {
            logger.LogWarning("The event sequence was behind the stored events (the tables were converted); it continues after {Sequence}", moved);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
