using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Exports;

/// <summary>
/// Everything a case file shows, read together: the case read model, and the history of the case's
/// streams up to the version that read model stands at, so the two tell the same story.
/// </summary>
/// <param name="People">every person ever identified in the case, retracted ones included, by id: how the timeline names them</param>
/// <param name="Chains">each stream's hash chain, recomputed from the rows the timeline shows</param>
/// <param name="Statement">the signed statement, as the canonical JSON its signature covers</param>
public sealed record CaseFileContent(
    CaseDetails Case,
    IReadOnlyDictionary<Guid, string> People,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<IntegrityReport> Chains,
    IReadOnlyList<StreamHead> Heads,
    string Statement,
    string Signature,
    DateTimeOffset ProducedAt);

/// <param name="RetractedBy">the retraction that withdrew the entry this event recorded, if one did</param>
public sealed record TimelineEntry(Guid Stream, HistoryEntry Event, Retraction? RetractedBy);

public sealed record Retraction(DateTimeOffset RecordedAt, Actor Actor, string Reason);

public static class CaseFileEndpoint
{
    public const string MediaType = "application/pdf";

    /// <summary>Produces the prosecution case file as PDF.</summary>
    /// <remarks>
    /// The case's summary, people, charges and verdicts, sentences with their commutations, seizures,
    /// the timeline of every event on both clocks (when it happened, when it was recorded; retracted
    /// entries struck through beside their retraction), and an integrity statement: the number of
    /// events, the last hash, a statement of the heads signed with the export key, and how to verify
    /// it. Fonts are embedded, Chinese included. Produced at the time of the request.
    /// </remarks>
    /// <response code="200">The case file: a PDF document with its fonts embedded.</response>
    [WolverineGet("/api/cases/{caseId:guid}/case-file.pdf", OperationId = "GetCaseFile")]
    [Authorize(Policy = Policies.ReadCaseFile)]
    [Produces(MediaType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(
        Guid caseId, IDocumentStore store, IQuerySession session, StreamIntegrity integrity, ExportKey key, PersonalKeys keys, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var producedAt = clock.GetUtcNow();
        var details = await GetCaseEndpoint.Current(session, caseId, ct);
        if (details is null || !CaseAccess.MaySee(http.User, details.Restricted, details.Agencies)) return Results.Problem(Problems.NoCase(caseId));
        details = await Disclosure.ApplyAsync(session, keys, http, details, ct);

        var streams = await CaseStreams.OfAsync(session, caseId, ct);
        var rows = new List<StoredEvent>();
        await foreach (var row in StoredEvents.AllOfAsync(store, streams, ct))
        {
            // Appended after the read model was read: not part of the case this file shows.
            if (row.StreamId != caseId || row.Version <= details.Version) rows.Add(row);
        }

        // The timeline shows personal fields as the reader may read them, like the case above it.
        var serializer = store.Options.Serializer();
        var history = rows.Select(row => HistoryEntry.From(row, serializer)).ToList();
        await Disclosure.RevealJsonAsync(session, keys, http, history.Select(x => x.Data), ct);

        var content = Content(details, rows, history, streams, integrity, key, serializer, producedAt);
        return Results.File(CaseFileDocument.Render(content), MediaType, ExportLines.FileName(details.Reference, "-case-file.pdf"));
    }

    private static CaseFileContent Content(
        CaseDetails details, IReadOnlyList<StoredEvent> rows, IReadOnlyList<HistoryEntry> history, IReadOnlyList<Guid> streams, StreamIntegrity integrity,
        ExportKey key, Marten.ISerializer serializer, DateTimeOffset producedAt)
    {
        var retractions = new Dictionary<long, Retraction>();
        var people = new Dictionary<Guid, string>();
        foreach (var (row, entry) in rows.Zip(history).Where(x => x.First.StreamId == details.CaseId))
        {
            switch (Fact(row, serializer))
            {
                case EntryRetracted x:
                    retractions[x.EntryVersion] = new Retraction(row.RecordedAt, row.Actor, x.Reason);
                    break;
                case DefendantIdentified x when (entry.Data?["name"]) is JsonValue name && name.TryGetValue<string>(out var text):
                    people[x.DefendantId] = text;
                    break;
            }
        }

        // The read model's names win: they are what the reader may see of each person now.
        foreach (var defendant in details.Defendants) people[defendant.DefendantId] = defendant.Name;

        var timeline = rows.Zip(history, (row, entry) => new TimelineEntry(
            row.StreamId,
            entry,
            row.StreamId == details.CaseId ? retractions.GetValueOrDefault(row.Version) : null)).ToList();

        var byStream = rows.GroupBy(x => x.StreamId).ToDictionary(x => x.Key, x => x.ToList());
        var present = streams.Where(byStream.ContainsKey).ToList();
        var chains = present
            .Select(id => (Id: id, Check: integrity.Verify(null, byStream[id], id == details.CaseId ? details.Version : byStream[id][^1].Version)))
            .Select(x => new IntegrityReport(x.Id, x.Check.Valid, x.Check.Events, x.Check.FirstInvalidVersion, x.Check.Reason))
            .ToList();
        var heads = present.Select(id => byStream[id][^1]).Select(x => new StreamHead(x.StreamId, x.Version, x.Header(EventHeaders.Hash))).ToList();

        var statement = ExportLines.Statement(producedAt, details.CaseId, heads);
        var canonical = System.Text.Encoding.UTF8.GetString(HashChain.CanonicalBytes(statement));
        var signature = key.Signed(statement)[ExportKey.Signature]!.GetValue<string>();
        return new CaseFileContent(details, people, timeline, chains, heads, canonical, signature, producedAt);
    }

    private static object? Fact(StoredEvent row, Marten.ISerializer serializer)
    {
        if (row.ClrType != typeof(EntryRetracted) && row.ClrType != typeof(DefendantIdentified)) return null;
        try
        {
            using var data = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(row.Data));
            return serializer.FromJson(row.ClrType, data);
        }
        catch (System.Text.Json.JsonException)
        {
            // A row that no longer reads is shown as stored and reported by its chain.
            return null;
        }
    }
}
