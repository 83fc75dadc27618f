using System.Text.Json.Nodes;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Audit;

/// <summary>One event of a stream's history (a case's, an exhibit's), as recorded and by whom.</summary>
public record HistoryEntry(
    long Version,
    long Sequence,
    Guid EventId,
    string Type,
    DateTimeOffset? OccurredAt,
    DateTimeOffset RecordedAt,
    Actor Actor,
    string? CorrelationId,
    JsonNode? Data,
    string? Hash,
    string? PreviousHash,
    string? Signature,
    string? IdempotencyKey)
{
    /// <summary>The row as the history shows it: its data as stored, its business time read through its type.</summary>
    public static HistoryEntry From(StoredEvent row, Marten.ISerializer serializer) => new(
        row.Version, row.Sequence, row.EventId, row.ClrType?.Name ?? row.StoredType,
        row.BusinessTime(serializer), row.RecordedAt, row.Actor, row.CorrelationId, JsonNode.Parse(row.Data),
        row.Header(EventHeaders.Hash), row.Header(EventHeaders.PreviousHash), row.Header(EventHeaders.Signature),
        row.Header(EventHeaders.IdempotencyKey));
}

/// <summary>The history of one stream, read the same way for a case and for an exhibit.</summary>
public static class StreamHistory
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 1000;

    /// <summary>
    /// The events of the stream oldest first, from <paramref name="fromVersion"/>, with a
    /// <c>Link: rel="next"</c> to the next page. A stream of another kind than
    /// <typeparamref name="TStream"/> answers <paramref name="missing"/>, as one that does not exist.
    /// </summary>
    /// <param name="route">the history's own path, for the next page's link</param>
    public static async Task<IResult> ReadAsync<TStream>(
        IDocumentStore store, IQuerySession session, PersonalKeys keys, Guid streamId, long? fromVersion, int? limit, string route, ProblemDetails missing,
        HttpContext http, CancellationToken ct)
    {
        var problems = new Validation()
            .Rule(fromVersion is null or >= 1, "fromVersion", "must be 1 or more")
            .Rule(limit is null or (>= 1 and <= MaxLimit), "limit", $"must be from 1 to {MaxLimit}")
            .Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        var streamVersion = await StoredEvents.StreamVersionAsync<TStream>(store, streamId, ct);
        if (streamVersion is null) return Results.Problem(missing);

        var from = fromVersion ?? 1;
        var take = limit ?? DefaultLimit;
        var rows = await StoredEvents.ReadAsync(store, streamId, from, take, ct);
        var serializer = store.Options.Serializer();
        var entries = rows.Select(row => HistoryEntry.From(row, serializer)).ToList();

        // Personal fields are stored encrypted; the history shows them as the events say them (or
        // [expunged]), and sealed people's on record in the read log.
        await Disclosure.RevealJsonAsync(session, keys, http, entries.Select(x => x.Data), ct);

        if (entries.Count == take && entries[^1].Version < streamVersion)
        {
            http.Response.Headers.Link = $"<{route}?fromVersion={entries[^1].Version + 1}&limit={take}>; rel=\"next\"";
        }

        http.Response.Headers.ETag = ExpectedVersion.ETag(streamVersion.Value);
        return Results.Json(entries);
    }
}

public static class CaseHistoryEndpoint
{
    /// <summary>Reads the case's history: each event with its actor, times and hash.</summary>
    /// <remarks>
    /// The case's events oldest first, from <paramref name="fromVersion"/>. Longer histories are
    /// paged: a <c>Link: rel="next"</c> header names the next page.
    /// </remarks>
    [WolverineGet("/api/cases/{caseId:guid}/events")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<HistoryEntry[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static Task<IResult> Get(
        Guid caseId, long? fromVersion, int? limit, IDocumentStore store, IQuerySession session, PersonalKeys keys, HttpContext http, CancellationToken ct) =>
        StreamHistory.ReadAsync<Case>(store, session, keys, caseId, fromVersion, limit, $"/api/cases/{caseId}/events", Problems.NoCase(caseId), http, ct);
}

public static class ExhibitHistoryEndpoint
{
    /// <summary>Reads the exhibit's chain of custody as recorded: each event with its actor, times and hash.</summary>
    /// <remarks>
    /// The exhibit's events oldest first, from <paramref name="fromVersion"/> of its own stream,
    /// paged like a case's history.
    /// </remarks>
    [WolverineGet("/api/exhibits/{exhibitId:guid}/events")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<HistoryEntry[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static Task<IResult> Get(
        Guid exhibitId, long? fromVersion, int? limit, IDocumentStore store, IQuerySession session, PersonalKeys keys, HttpContext http, CancellationToken ct) =>
        StreamHistory.ReadAsync<Exhibit>(store, session, keys, exhibitId, fromVersion, limit, $"/api/exhibits/{exhibitId}/events", Problems.NoExhibit(exhibitId), http, ct);
}
