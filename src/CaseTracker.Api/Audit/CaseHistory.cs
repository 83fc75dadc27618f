using System.Text.Json.Nodes;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Audit;

/// <summary>One event of a case's history, as recorded and by whom.</summary>
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

public static class CaseHistoryEndpoint
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 1000;

    /// <summary>Reads the case's history: each event with its actor, times and hash.</summary>
    /// <remarks>
    /// The case's events oldest first, from <paramref name="fromVersion"/>. Longer histories are
    /// paged: a <c>Link: rel="next"</c> header names the next page.
    /// </remarks>
    [WolverineGet("/api/cases/{caseId:guid}/events")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<HistoryEntry[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid caseId, long? fromVersion, int? limit, IDocumentStore store, HttpContext http, CancellationToken ct)
    {
        var problems = new Validation()
            .Rule(fromVersion is null or >= 1, "fromVersion", "must be 1 or more")
            .Rule(limit is null or (>= 1 and <= MaxLimit), "limit", $"must be from 1 to {MaxLimit}")
            .Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        var streamVersion = await StoredEvents.StreamVersionAsync(store, caseId, ct);
        if (streamVersion is null) return Results.Problem(Problems.NoCase(caseId));

        var from = fromVersion ?? 1;
        var take = limit ?? DefaultLimit;
        var rows = await StoredEvents.ReadAsync(store, caseId, from, take, ct);
        var serializer = store.Options.Serializer();
        var entries = rows.Select(row => HistoryEntry.From(row, serializer)).ToList();

        if (entries.Count == take && entries[^1].Version < streamVersion)
        {
            http.Response.Headers.Link = $"</api/cases/{caseId}/events?fromVersion={entries[^1].Version + 1}&limit={take}>; rel=\"next\"";
        }

        http.Response.Headers.ETag = ExpectedVersion.ETag(streamVersion.Value);
        return Results.Json(entries);
    }
}
