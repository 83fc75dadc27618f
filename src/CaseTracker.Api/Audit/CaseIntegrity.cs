using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Audit;

/// <param name="FirstInvalidVersion">the first version that is missing, out of place, altered or unsigned</param>
/// <param name="Reason">what is wrong there, for the auditor</param>
public record IntegrityReport(Guid CaseId, bool Valid, int Events, long? FirstInvalidVersion, string? Reason);

/// <summary>
/// Recomputes a case's chain from the rows as stored: every version present and in order, each
/// hash over its predecessor's and the event's canonical form, each hash signed with the audit key.
/// A row edited by someone who recomputed the plain SHA-256 chain still fails on its signature.
/// </summary>
public sealed class CaseIntegrity(IDocumentStore store, AuditKey key)
{
    private const int Page = 1000;

    public async Task<IntegrityReport?> VerifyAsync(Guid caseId, CancellationToken ct)
    {
        var streamVersion = await StoredEvents.StreamVersionAsync(store, caseId, ct);
        if (streamVersion is null) return null;

        var serializer = store.Options.Serializer();
        var previous = HashChain.Genesis;
        long expected = 1;
        var count = 0;
        while (true)
        {
            var rows = await StoredEvents.ReadAsync(store, caseId, expected, Page, ct);
            foreach (var row in rows)
            {
                count++;
                if (row.Version != expected) return Invalid(expected, $"version {expected} is missing");

                var problem = Check(caseId, row, previous, serializer);
                if (problem is not null) return Invalid(row.Version, problem);

                previous = row.Header(EventHeaders.Hash)!;
                expected++;
            }

            if (rows.Count < Page) break;
        }

        return expected - 1 < streamVersion
            ? Invalid(expected, $"the stream is at version {streamVersion} but its events end at {expected - 1}")
            : new IntegrityReport(caseId, true, count, null, null);

        IntegrityReport Invalid(long version, string reason) => new(caseId, false, count, version, reason);
    }

    private string? Check(Guid caseId, StoredEvent row, string previous, Marten.ISerializer serializer)
    {
        // CaseTracker never archives an event; one archived by any other means has left every
        // read, the case's rebuild and time travel included, without leaving the chain.
        if (row.IsArchived) return "it is marked archived, which CaseTracker never does";

        if (row.Header(EventHeaders.PreviousHash) != previous) return "its previous hash does not match its predecessor";

        var occurredAt = CaseHistoryEndpoint.BusinessTime(row, serializer);
        if (occurredAt is null) return "its data no longer reads as a case event";

        var recording = row.Header(EventHeaders.Seal) == EventHeaders.CurrentSeal ? row.Recording(caseId) : null;
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
    public static async Task<IResult> Get(Guid caseId, CaseIntegrity integrity, CancellationToken ct) =>
        await integrity.VerifyAsync(caseId, ct) is { } report
            ? Results.Json(report)
            : Results.Problem(Problems.NoCase(caseId));
}
