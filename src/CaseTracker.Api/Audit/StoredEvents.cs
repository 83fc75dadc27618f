using System.Text.Json.Nodes;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CaseTracker.Api.Audit;

/// <summary>An event row as PostgreSQL holds it: what auditors read and what the chain is checked against.</summary>
public sealed record StoredEvent(
    long Version,
    long Sequence,
    Guid EventId,
    string StoredType,
    string? DotNetType,
    string Data,
    JsonObject Headers,
    DateTimeOffset RecordedAt,
    string? User,
    string? CorrelationId,
    string? CausationId,
    bool IsArchived)
{
    public string? Header(string name) => Headers[name]?.GetValue<string>();

    public Actor Actor => new(User ?? Actor.SystemUser, Header(EventHeaders.Role), Header(EventHeaders.Agency));

    /// <summary>How the row says the event was stored, as seal 2 covers it.</summary>
    public Recording Recording(Guid streamId) =>
        new(streamId, EventId, DotNetType, RecordedAt, CorrelationId, CausationId, Audit.Recording.Covered(Headers));

    /// <summary>The .NET event type, when the row still names one this build knows.</summary>
    public Type? ClrType => DotNetType is null ? null : Type.GetType(DotNetType, throwOnError: false);

    /// <summary>The event's business time, read through its type; null when the row no longer reads as one.</summary>
    public DateTimeOffset? BusinessTime(Marten.ISerializer serializer)
    {
        if (ClrType is not { } type) return null;
        try
        {
            using var data = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Data));
            return (serializer.FromJson(type, data) as IFact)?.OccurredAt;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Reads event rows with plain SQL rather than through Marten's typed event API, so that a row
/// someone has tampered with is still read (and reported) instead of failing deserialization.
/// </summary>
public static class StoredEvents
{
    public static async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        IDocumentStore store, Guid streamId, long fromVersion, int limit, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $$"""
             select version, seq_id, id, type, mt_dotnet_type, data::text, coalesce(headers, '{}'::jsonb)::text,
                    timestamp, user_name, correlation_id, causation_id, is_archived
             from {{store.Events()}}
             where stream_id = @stream and version >= @from
             order by version
             limit @limit
             """, connection);
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("from", fromVersion);
        command.Parameters.AddWithValue("limit", limit);

        var rows = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new StoredEvent(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetString(3),
                await NullableText(reader, 4, ct), reader.GetString(5),
                JsonNode.Parse(reader.GetString(6))!.AsObject(), await reader.GetFieldValueAsync<DateTimeOffset>(7, ct),
                await NullableText(reader, 8, ct), await NullableText(reader, 9, ct), await NullableText(reader, 10, ct),
                reader.GetBoolean(11)));
        }

        return rows;
    }

    private static async Task<string?> NullableText(NpgsqlDataReader reader, int column, CancellationToken ct) =>
        await reader.IsDBNullAsync(column, ct) ? null : reader.GetString(column);

    /// <summary>
    /// Every stream: each case's and each exhibit's. Marten's tombstone stream is left out: Marten
    /// writes to it when an append fails after its sequence numbers were taken (routine when
    /// commands race), so it records nothing and has no chain, and reporting it would bury real
    /// tampering among false alarms.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> AllStreamIdsAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"select id from {store.Streams()} where id <> @tombstones order by id", connection);
        command.Parameters.AddWithValue("tombstones", Tombstone.StreamId);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>
    /// The version the stream claims to be at, or null when there is no such stream of
    /// <typeparamref name="TStream"/> (a case id asked for as an exhibit's is no exhibit).
    /// </summary>
    public static async Task<long?> StreamVersionAsync<TStream>(IDocumentStore store, Guid streamId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamStateAsync(streamId, ct) is { } state && state.AggregateType == typeof(TStream)
            ? state.Version
            : null;
    }
}
