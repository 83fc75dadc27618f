using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CaseTracker.Api.Audit;

/// <summary>The head of one stream when a checkpoint was taken.</summary>
/// <param name="Hash">null only for a head whose hash header is gone, which its chain reports</param>
public sealed record StreamHead(Guid StreamId, long Version, string? Hash);

/// <summary>How the store differs from an earlier checkpoint for one stream.</summary>
public sealed record CheckpointBreach(Guid StreamId, long Version, string Reason);

/// <summary>
/// Signed statements of every stream's head. The chain alone cannot show that a stream's newest
/// events were deleted (with the stream's version lowered to match): nothing after them is left to
/// break. A checkpoint kept where the database owner cannot reach it remembers each head, so a
/// stream that is later shorter than, or different from, what it says is reported.
/// </summary>
public sealed class Checkpoints(IDocumentStore store, ExportKey key, TimeProvider clock)
{
    public const string Signature = "signature";

    /// <summary>Every stream's head now (each case's and each exhibit's), signed with the export key over its canonical JSON.</summary>
    public async Task<JsonObject> TakeAsync(CancellationToken ct)
    {
        var takenAt = clock.GetUtcNow();
        var heads = new List<StreamHead>();
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                $"""
                 select s.id, s.version, e.headers ->> '{EventHeaders.Hash}'
                 from {store.Streams()} s
                 join {store.Events()} e on e.stream_id = s.id and e.version = s.version
                 where s.id <> @tombstones
                 order by s.id
                 """, connection);
            command.Parameters.AddWithValue("tombstones", Tombstone.StreamId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                heads.Add(new StreamHead(reader.GetGuid(0), reader.GetInt64(1), await reader.IsDBNullAsync(2, ct) ? null : reader.GetString(2)));
            }
        }

        return key.Signed(Statement(takenAt, heads));
    }

    /// <summary>What a checkpoint states: the heads of some streams at a time. Callers may state more before signing.</summary>
    public static JsonObject Statement(DateTimeOffset takenAt, IEnumerable<StreamHead> heads) => new()
    {
        ["takenAt"] = takenAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        ["streams"] = JsonSerializer.SerializeToNode(heads, Json),
    };

    /// <summary>The heads a checkpoint states, if its signature verifies with the public key; else null.</summary>
    public static IReadOnlyList<StreamHead>? Verified(JsonObject checkpoint, string publicKeyPem) =>
        ExportKey.Verified(checkpoint, publicKeyPem) is { } statement ? Heads(statement) ?? [] : null;

    /// <summary>The heads a statement names; null when it names none.</summary>
    public static IReadOnlyList<StreamHead>? Heads(JsonObject statement) =>
        statement["streams"].Deserialize<StreamHead[]>(Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every stream now shorter than the checkpoint says, or holding another event at its head.</summary>
    public async Task<IReadOnlyList<CheckpointBreach>> CompareAsync(IReadOnlyList<StreamHead> heads, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
             select c.id, c.version, c.hash, e.headers ->> '{EventHeaders.Hash}', e.id is not null
             from unnest(@ids, @versions, @hashes) as c(id, version, hash)
             left join {store.Events()} e on e.stream_id = c.id and e.version = c.version
             order by c.id
             """, connection);
        command.Parameters.AddWithValue("ids", heads.Select(x => x.StreamId).ToArray());
        command.Parameters.AddWithValue("versions", heads.Select(x => x.Version).ToArray());
        command.Parameters.AddWithValue("hashes", heads.Select(x => x.Hash).ToArray());

        var breaches = new List<CheckpointBreach>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (streamId, version, hash) = (reader.GetGuid(0), reader.GetInt64(1), await reader.IsDBNullAsync(2, ct) ? null : reader.GetString(2));
            if (!reader.GetBoolean(4))
            {
                breaches.Add(new CheckpointBreach(streamId, version, $"it is shorter than the checkpoint: version {version} is gone"));
            }
            else if ((await reader.IsDBNullAsync(3, ct) ? null : reader.GetString(3)) != hash)
            {
                breaches.Add(new CheckpointBreach(streamId, version, $"it diverges from the checkpoint at version {version}"));
            }
        }

        return breaches;
    }
}

public static class CheckpointEndpoints
{
    /// <summary>Takes a signed checkpoint of every case's and exhibit's history.</summary>
    /// <remarks>
    /// A signed statement of every stream's head (version and hash) now, cases and exhibits alike.
    /// Keep it where the database's owner cannot rewrite it; <c>audit verify --checkpoint FILE</c>
    /// later reports every stream shorter than, or different from, what it states.
    /// </remarks>
    [WolverineGet("/api/audit/checkpoint", OperationId = "TakeCheckpoint")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<JsonObject>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Checkpoints checkpoints, CancellationToken ct) =>
        Results.Json(await checkpoints.TakeAsync(ct));

    /// <summary>The public key that verifies checkpoints, exports and case files.</summary>
    /// <remarks>SubjectPublicKeyInfo PEM of the ECDSA P-256 export key; no token needed.</remarks>
    [WolverineGet("/.well-known/casetracker-export-key", OperationId = "GetExportKey")]
    [AllowAnonymous]
    [Produces("application/x-pem-file")]
    public static IResult PublicKey(ExportKey key) => Results.Text(key.PublicKeyPem, "application/x-pem-file");
}
