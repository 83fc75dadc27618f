using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Exports;

public static class CaseExportEndpoint
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Exports the case's history, signed, for anyone to verify offline.</summary>
    /// <remarks>
    /// Newline-delimited JSON: one line per event of the case's record, oldest first, with the
    /// fields of the case's history plus <c>stream</c> and what the event's hash covers beyond them
    /// (<c>storedType</c>, <c>dotNetType</c>, <c>causationId</c>, <c>headers</c>); then a last line
    /// <c>{"checkpoint": …}</c>: the case id, the head of each stream exported (<c>streamId</c>,
    /// <c>version</c>, <c>hash</c>), the SHA-256 of every event line, and the time it was taken,
    /// signed with the export key (ECDSA P-256, SHA-256, IEEE P1363, base64) over its canonical
    /// JSON. <c>audit verify-export FILE --key KEY</c> checks it with the public key from
    /// <c>/.well-known/casetracker-export-key</c>, with no database and no secret.
    /// </remarks>
    /// <response code="200">The export: one JSON object a line, each event oldest first, the signed checkpoint last.</response>
    [WolverineGet("/api/cases/{caseId:guid}/export", OperationId = "ExportCase")]
    [Authorize(Policy = Policies.ReadHistory)]
    [Produces(ExportLines.MediaType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(
        Guid caseId, IDocumentStore store, IQuerySession session, ExportKey key, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var header = await session.LoadAsync<CaseHeader>(caseId, ct);
        if (header is null || !CaseAccess.MaySee(http.User, header.Restricted, header.Agencies)) return Results.Problem(Problems.NoCase(caseId));

        var takenAt = clock.GetUtcNow();
        var streams = await CaseStreams.OfAsync(session, caseId, ct);
        return Results.Stream(
            body => Write(body, store, key, caseId, streams, takenAt, http.RequestAborted),
            ExportLines.MediaType,
            ExportLines.FileName(header.Reference, ".ndjson"));
    }

    /// <summary>
    /// Streamed as read, so an export's memory does not grow with the case; the checkpoint states
    /// the heads of exactly what was written, whatever was appended meanwhile.
    /// </summary>
    private static async Task Write(
        Stream body, IDocumentStore store, ExportKey key, Guid caseId, IReadOnlyList<Guid> streams, DateTimeOffset takenAt, CancellationToken ct)
    {
        var serializer = store.Options.Serializer();
        var heads = new Dictionary<Guid, StreamHead>();
        var digests = new List<string>();
        await foreach (var row in StoredEvents.AllOfAsync(store, streams, ct))
        {
            var history = HistoryEntry.From(row, serializer);
            var line = ExportLines.Event(history, ExportedRecording.From(row));
            await body.WriteAsync(line, ct);
            await body.WriteAsync(NewLine, ct);
            digests.Add(ExportLines.Digest(line));
            heads[row.StreamId] = new StreamHead(row.StreamId, row.Version, history.Hash);
        }

        var statement = ExportLines.Statement(takenAt, caseId, streams.Where(heads.ContainsKey).Select(x => heads[x]), digests);
        await body.WriteAsync(ExportLines.Checkpoint(key.Signed(statement)), ct);
        await body.WriteAsync(NewLine, ct);
    }
}
