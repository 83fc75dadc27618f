using System.Text.Json;
using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;

namespace CaseTracker.Api.Exports;

/// <summary>What checking an export found: valid, or the first bad line (counted from 1) and why.</summary>
public sealed record ExportVerdict(bool Valid, int Events, int Streams, int? Line, string? Reason, Guid? CaseId, string? TakenAt)
{
    public static ExportVerdict Bad(int line, string reason) => new(false, 0, 0, line, reason, null, null);
}

/// <summary>
/// Checks an export with the public key alone: no database, no configuration, no secret. Each event
/// line must read back to exactly its own bytes, continue its stream's chain (the next version, its
/// predecessor's hash, and the hash its content gives in the canonical form its seal names) and,
/// once the checkpoint is trusted, have the digest the checkpoint states for it. The checkpoint's
/// heads must be where each stream ends. The first line that fails is named; the checkpoint is the
/// last line, so it is named only when every event line before it holds.
/// </summary>
public static class ExportVerifier
{
    public static ExportVerdict Verify(byte[] file, string publicKeyPem)
    {
        var lines = Lines(file);
        if (lines.Count == 0) return ExportVerdict.Bad(1, "the file is empty; an export ends with its checkpoint");

        var last = lines.Count;
        var events = lines.Take(last - 1).Select(Read).ToList();
        var checkpoint = Trust(lines[^1], publicKeyPem, events.FirstOrDefault()?.Recording?.Stream);

        var chains = new Dictionary<Guid, (long Version, string Hash)>();
        for (var i = 0; i < events.Count; i++)
        {
            if ((Problem(events[i], chains) ?? Undeclared(events[i], i, checkpoint.Digests)) is { } reason) return ExportVerdict.Bad(i + 1, reason);
        }

        if (checkpoint.Refusal is { } refusal) return ExportVerdict.Bad(last, refusal);
        if (checkpoint.Digests!.Count != events.Count)
        {
            return ExportVerdict.Bad(last, $"the checkpoint counts {checkpoint.Digests.Count} event lines, the export has {events.Count}");
        }

        foreach (var head in checkpoint.Heads!)
        {
            if (!chains.TryGetValue(head.StreamId, out var end))
            {
                return ExportVerdict.Bad(last, $"the checkpoint names stream {head.StreamId}, which has no line in the export");
            }

            if (end.Version != head.Version || end.Hash != head.Hash)
            {
                return ExportVerdict.Bad(last, $"stream {head.StreamId} ends at version {end.Version} in the export, but the checkpoint's head is its version {head.Version}");
            }
        }

        var unsigned = chains.Keys.Except(checkpoint.Heads.Select(x => x.StreamId)).ToList();
        if (unsigned.Count > 0) return ExportVerdict.Bad(last, $"stream {unsigned[0]} is in the export but not in the checkpoint");

        return new ExportVerdict(true, events.Count, chains.Count, null, null, checkpoint.CaseId, checkpoint.TakenAt);
    }

    /// <summary>The file's lines; the newline after the last one is optional.</summary>
    private static List<byte[]> Lines(byte[] file)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < file.Length; i++)
        {
            if (file[i] != (byte)'\n') continue;
            lines.Add(file[start..i]);
            start = i + 1;
        }

        if (start < file.Length) lines.Add(file[start..]);
        return lines;
    }

    private sealed record EventLine(byte[] Bytes, HistoryEntry? History, ExportedRecording? Recording, string? Refusal);

    /// <summary>A line read back into the history's fields and the recording's, or why it cannot be.</summary>
    private static EventLine Read(byte[] bytes)
    {
        try
        {
            if (JsonNode.Parse(bytes) is not JsonObject line) return Refused("it is not a JSON object");
            if (line.ContainsKey(ExportLines.CheckpointKey)) return Refused("it is a checkpoint, which only the last line of an export is");

            var history = line.Deserialize<HistoryEntry>(ExportLines.ReadBack)!;
            var recording = line.Deserialize<ExportedRecording>(ExportLines.ReadBack)!;
            return ExportLines.Event(history, recording).AsSpan().SequenceEqual(bytes)
                ? new EventLine(bytes, history, recording, null)
                : Refused("it is not as the export wrote it: a field is missing, unknown or written another way");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            return Refused($"it does not read as an exported event ({e.Message})");
        }

        EventLine Refused(string reason) => new(bytes, null, null, reason);
    }

    /// <summary>Why the line does not continue its stream's chain, or null.</summary>
    private static string? Problem(EventLine line, Dictionary<Guid, (long Version, string Hash)> chains)
    {
        if (line.Refusal is { } refusal) return refusal;
        var (history, recording) = (line.History!, line.Recording!);

        var (version, previous) = chains.TryGetValue(recording.Stream, out var before) ? before : (0, HashChain.Genesis);
        if (history.Version != version + 1)
        {
            return $"stream {recording.Stream} goes on at version {version + 1}, but this line is its version {history.Version}";
        }

        if (HashChain.Breaks(previous, history.PreviousHash, history.Hash, recording.Chained(history)) is { } broken) return broken;

        chains[recording.Stream] = (history.Version, history.Hash!);
        return null;
    }

    /// <summary>
    /// Why the line is not the one the checkpoint declares at its place, or null. This is what shows
    /// a change to a field no hash covers (the global sequence, the audit signature) and two lines
    /// of different streams swapped, which leave every chain intact.
    /// </summary>
    private static string? Undeclared(EventLine line, int index, IReadOnlyList<string>? digests)
    {
        if (digests is null) return null;
        if (index >= digests.Count) return $"the checkpoint counts only {digests.Count} event lines";
        return ExportLines.Digest(line.Bytes) == digests[index] ? null : "it is not the line exported there: its digest differs from the checkpoint's";
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static IReadOnlyList<StreamHead>? Heads(JsonObject statement)
    {
        try
        {
            return Checkpoints.Heads(statement) is { } heads && !heads.Contains(null) ? heads : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <param name="Refusal">why the checkpoint cannot be trusted; null when it can</param>
    private sealed record Checkpoint(string? Refusal, Guid? CaseId = null, string? TakenAt = null, IReadOnlyList<StreamHead>? Heads = null, IReadOnlyList<string>? Digests = null);

    /// <summary>
    /// The checkpoint, trusted once its signature verifies and it is about the case whose stream the
    /// export starts with: a checkpoint taken from another case's export is refused as such, rather
    /// than blamed on the first event line whose digest it does not hold.
    /// </summary>
    private static Checkpoint Trust(byte[] line, string publicKeyPem, Guid? firstStream)
    {
        JsonObject? signed;
        try
        {
            signed = JsonNode.Parse(line) is JsonObject { Count: 1 } wrapper ? wrapper[ExportLines.CheckpointKey] as JsonObject : null;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            signed = null;
        }

        if (signed is null) return new Checkpoint("the last line is not a checkpoint: an export ends with {\"checkpoint\": …}");
        if (!ExportLines.Checkpoint(signed).AsSpan().SequenceEqual(line)) return new Checkpoint("the checkpoint is not as the export wrote it");
        if (ExportKey.Verified(signed, publicKeyPem) is not { } statement)
        {
            return new Checkpoint("the checkpoint's signature does not verify with the export key");
        }

        var digests = (statement[ExportLines.LinesKey] as JsonArray)?.Select(Text).ToList();
        if (!Guid.TryParse(Text(statement[ExportLines.CaseIdKey]), out var caseId) || digests is null || digests.Contains(null)
            || Heads(statement) is not { } heads)
        {
            return new Checkpoint("the checkpoint is signed but is no export's: it does not name a case, its streams' heads and its lines' digests");
        }

        return caseId == firstStream
            ? new Checkpoint(null, caseId, Text(statement["takenAt"]), heads, digests!)
            : new Checkpoint($"the checkpoint is another case's ({caseId}): this export starts with stream {firstStream}");
    }
}
