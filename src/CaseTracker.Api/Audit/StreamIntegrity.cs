using System.Text.Json.Serialization;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Audit;

/// <param name="CaseId">the case, or the case of the exhibit whose chain was checked</param>
/// <param name="FirstInvalidVersion">the first version that is missing, out of place, altered or unsigned</param>
/// <param name="Reason">what is wrong there, for the auditor</param>
public record IntegrityReport(Guid CaseId, bool Valid, int Events, long? FirstInvalidVersion, string? Reason)
{
    /// <summary>Set when the chain checked was an exhibit's.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? ExhibitId { get; init; }
}

/// <summary>What recomputing one stream's chain found.</summary>
/// <param name="StreamType">what the stream holds (<see cref="Case"/>, <see cref="Exhibit"/>), as Marten recorded when it was started</param>
public sealed record ChainCheck(Type? StreamType, bool Valid, int Events, long? FirstInvalidVersion, string? Reason);

/// <summary>
/// Recomputes a stream's chain (a case's, an exhibit's: they are sealed alike) from the rows as
/// stored: every version present and in order, each hash over its predecessor's and the event's
/// canonical form, each hash signed with the audit key. A row edited by someone who recomputed
/// the plain SHA-256 chain still fails on its signature.
/// </summary>
public sealed class StreamIntegrity(IDocumentStore store, AuditKey key)
{
    private const int Page = 1000;

    /// <returns>null when there is no such stream</returns>
    public async Task<ChainCheck?> VerifyAsync(Guid streamId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.Events.FetchStreamStateAsync(streamId, ct) is not { } state) return null;

        var serializer = store.Options.Serializer();
        var previous = HashChain.Genesis;
        long expected = 1;
        var count = 0;
        while (true)
        {
            var rows = await StoredEvents.ReadAsync(store, streamId, expected, Page, ct);
            foreach (var row in rows)
            {
                count++;
                if (row.Version != expected) return Invalid(expected, $"version {expected} is missing");

                var problem = Check(streamId, row, previous, serializer);
                if (problem is not null) return Invalid(row.Version, problem);

                previous = row.Header(EventHeaders.Hash)!;
                expected++;
            }

            if (rows.Count < Page) break;
        }

        return expected - 1 < state.Version
            ? Invalid(expected, $"the stream is at version {state.Version} but its events end at {expected - 1}")
            : new ChainCheck(state.AggregateType, true, count, null, null);

        ChainCheck Invalid(long version, string reason) => new(state.AggregateType, false, count, version, reason);
    }

    private string? Check(Guid streamId, StoredEvent row, string previous, Marten.ISerializer serializer)
    {
        // CaseTracker never archives an event; one archived by any other means has left every
        // read, the stream's rebuild and time travel included, without leaving the chain.
        if (row.IsArchived) return "it is marked archived, which CaseTracker never does";

        if (row.Header(EventHeaders.PreviousHash) != previous) return "its previous hash does not match its predecessor";

        var occurredAt = row.BusinessTime(serializer);
        if (occurredAt is null) return "its data no longer reads as a CaseTracker event";

        var recording = row.Header(EventHeaders.Seal) == EventHeaders.CurrentSeal ? row.Recording(streamId) : null;
        var hash = HashChain.Next(previous, HashChain.Canonical(row.StoredType, row.Data, occurredAt.Value, row.Actor, row.Version, recording));
        if (row.Header(EventHeaders.Hash) != hash) return "its content does not match its hash";

        return key.Verify(hash, row.Header(EventHeaders.Signature)) ? null : "its hash is not signed with the audit key";
    }
}

public static class CaseIntegrityEndpoint
{
    /// <summary>Recomputes the case's hash chain and checks each signature.</summary>
    [WolverineGet("/api/cases/{caseId:guid}/integrity")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<IntegrityReport>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid caseId, StreamIntegrity integrity, CancellationToken ct) =>
        await integrity.VerifyAsync(caseId, ct) is { StreamType: var type } check && type == typeof(Case)
            ? Results.Json(new IntegrityReport(caseId, check.Valid, check.Events, check.FirstInvalidVersion, check.Reason))
            : Results.Problem(Problems.NoCase(caseId));
}

public static class ExhibitIntegrityEndpoint
{
    /// <summary>Recomputes the exhibit's hash chain and checks each signature.</summary>
    /// <remarks>The report names the exhibit and its case.</remarks>
    [WolverineGet("/api/exhibits/{exhibitId:guid}/integrity")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<IntegrityReport>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid exhibitId, StreamIntegrity integrity, IQuerySession session, CancellationToken ct) =>
        await integrity.VerifyAsync(exhibitId, ct) is { StreamType: var type } check && type == typeof(Exhibit)
        && await session.LoadAsync<Exhibit>(exhibitId, ct) is { } exhibit
            ? Results.Json(new IntegrityReport(exhibit.CaseId, check.Valid, check.Events, check.FirstInvalidVersion, check.Reason) { ExhibitId = exhibitId })
            : Results.Problem(Problems.NoExhibit(exhibitId));
}
