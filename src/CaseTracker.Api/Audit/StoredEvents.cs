using System.Text.Json.Nodes;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CaseTracker.Api.Audit;

/// <summary>An event row as PostgreSQL holds it: what auditors read and what the chain is checked against.</summary>
public sealed record StoredEvent(
    Guid StreamId,
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
    public Recording Recording =>
        new(StreamId, EventId, DotNetType, RecordedAt, CorrelationId, CausationId, Audit.Recording.Covered(Headers));

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

    /// <summary>What the chain covers of this row; null when its business time can no longer be read.</summary>
    public ChainedEvent? Chained(Marten.ISerializer serializer) =>
        BusinessTime(serializer) is { } occurredAt
            ? new ChainedEvent(StoredType, Data, occurredAt, Actor, Version, Header(EventHeaders.Seal), Recording)
            : null;
}

/// <summary>
/// Reads event rows with plain SQL rather than through Marten's typed event API, so that a row
/// someone has tampered with is still read (and reported) instead of failing deserialization.
/// </summary>
public static class StoredEvents
{
    private const string Columns =
        "stream_id, version, seq_id, id, type, mt_dotnet_type, data::text, coalesce(headers, '{}'::jsonb)::text, " +
        "timestamp, user_name, correlation_id, causation_id, is_archived";

    public static async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        IDocumentStore store, Guid streamId, long fromVersion, int limit, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
             select {Columns}
             from {store.Events()}
             where stream_id = @stream and version >= @from
             order by version
             limit @limit
             """, connection);
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("from", fromVersion);
        command.Parameters.AddWithValue("limit", limit);

        var rows = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(await Row(reader, ct));
        return rows;
    }

    /// <summary>
    /// Every event of the streams, in the order they were appended across them. One statement, so
    /// the rows come from one snapshot: paging by sequence could step over an append that took its
    /// sequence number before a page was read and committed after, leaving a hole in a chain.
    /// </summary>
    public static async IAsyncEnumerable<StoredEvent> AllOfAsync(
        IDocumentStore store, IReadOnlyCollection<Guid> streamIds, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
             select {Columns}
             from {store.Events()}
             where stream_id = any(@streams)
             order by seq_id
             """, connection);
        command.Parameters.AddWithValue("streams", streamIds.ToArray());

        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return await Row(reader, ct);
    }

    private static async Task<StoredEvent> Row(NpgsqlDataReader reader, CancellationToken ct) => new(
        reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetGuid(3), reader.GetString(4),
        await NullableText(reader, 5, ct), reader.GetString(6),
        JsonNode.Parse(reader.GetString(7))!.AsObject(), await reader.GetFieldValueAsync<DateTimeOffset>(8, ct),
        await NullableText(reader, 9, ct), await NullableText(reader, 10, ct), await NullableText(reader, 11, ct),
        reader.GetBoolean(12));

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
