using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Http;

namespace CaseTracker.Api.Exports;

/// <summary>
/// What an export line carries besides the history's own fields: the rest of what the event's hash
/// covers, so that the hash can be recomputed from the line alone, without the database.
/// </summary>
/// <param name="Stream">the stream the event belongs to (the case's, or another stream of its record)</param>
/// <param name="StoredType">the event type's stored name, which the hash covers</param>
/// <param name="Headers">every header the hash covers: all but the chain's own, which are history fields</param>
public sealed record ExportedRecording(Guid Stream, string StoredType, string? DotNetType, string? CausationId, JsonObject Headers)
{
    public static ExportedRecording From(StoredEvent row) =>
        new(row.StreamId, row.StoredType, row.DotNetType, row.CausationId, Recording.Covered(row.Headers));

    /// <summary>The event as the chain covers it, from the line's fields; null when its business time was unreadable.</summary>
    public ChainedEvent? Chained(HistoryEntry history) =>
        history.OccurredAt is { } occurredAt
            ? new ChainedEvent(
                StoredType, history.Data?.ToJsonString() ?? "null", occurredAt, history.Actor, history.Version,
                Headers[EventHeaders.Seal] is JsonValue seal && seal.TryGetValue<string>(out var text) ? text : null,
                new Recording(Stream, history.EventId, DotNetType, history.RecordedAt, history.CorrelationId, CausationId, Headers))
            : null;
}

/// <summary>
/// The lines of an export (<c>application/x-ndjson</c>): one event a line, then the signed
/// checkpoint. Each line is canonical JSON (keys sorted, no whitespace, numbers in one form), so a
/// line reads back to exactly its own bytes and any change to it shows.
/// </summary>
public static class ExportLines
{
    public const string MediaType = "application/x-ndjson";
    public const string CheckpointKey = "checkpoint";
    public const string CaseIdKey = "caseId";
    public const string LinesKey = "lines";

    /// <summary>The history fields as the history route serves them (camelCase, times with their offset).</summary>
    public static readonly JsonSerializerOptions Json = Options(JsonUnmappedMemberHandling.Disallow);

    /// <summary>
    /// For reading a line back into its two parts, each of which ignores the other's fields; whatever
    /// a line holds beyond them shows when the parts are written again.
    /// </summary>
    internal static readonly JsonSerializerOptions ReadBack = Options(JsonUnmappedMemberHandling.Skip);

    public static byte[] Event(HistoryEntry history, ExportedRecording recording)
    {
        var line = JsonSerializer.SerializeToNode(history, Json)!.AsObject();
        foreach (var (key, value) in JsonSerializer.SerializeToNode(recording, Json)!.AsObject().ToList())
        {
            line[key] = value?.DeepClone();
        }

        return HashChain.CanonicalBytes(line);
    }

    /// <summary>
    /// What a case's export and case file sign: the heads of the case's streams when taken and, for
    /// an export, the digest of each event line in order.
    /// </summary>
    public static JsonObject Statement(DateTimeOffset takenAt, Guid caseId, IEnumerable<StreamHead> heads, IEnumerable<string>? lineDigests = null)
    {
        var statement = Checkpoints.Statement(takenAt, heads);
        statement[CaseIdKey] = caseId;
        if (lineDigests is not null) statement[LinesKey] = new JsonArray([.. lineDigests.Select(x => (JsonNode)x)]);
        return statement;
    }

    public static byte[] Checkpoint(JsonObject signed) =>
        HashChain.CanonicalBytes(new JsonObject { [CheckpointKey] = signed.DeepClone() });

    /// <summary>What the checkpoint states of each event line, so that a line changed in a field no hash covers still shows.</summary>
    public static string Digest(ReadOnlySpan<byte> line) => Convert.ToHexStringLower(SHA256.HashData(line));

    /// <summary>A file name from the case's reference that every file system accepts.</summary>
    public static string FileName(string reference, string suffix) =>
        string.Concat(reference.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')) + suffix;

    private static JsonSerializerOptions Options(JsonUnmappedMemberHandling unmapped)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonSetup.Configure(options);
        options.UnmappedMemberHandling = unmapped;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
