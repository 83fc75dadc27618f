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

        var walk = new Walk(this, caseId, store.Options.Serializer());
        while (true)
        {
            var rows = await StoredEvents.ReadAsync(store, caseId, walk.Expected, Page, ct);
            foreach (var row in rows)
            {
                if (walk.Step(row) is { } broken) return broken;
            }

            if (rows.Count < Page) break;
        }

        return walk.End(streamVersion.Value);
    }

    /// <summary>The same check over rows already read (oldest first), up to the version the stream is known to be at.</summary>
    public IntegrityReport Verify(Guid streamId, IEnumerable<StoredEvent> rows, long streamVersion)
    {
        var walk = new Walk(this, streamId, store.Options.Serializer());
        foreach (var row in rows)
        {
            if (walk.Step(row) is { } broken) return broken;
        }

        return walk.End(streamVersion);
    }

    /// <summary>One stream's rows checked in version order, each against the hash of the one before.</summary>
    private sealed class Walk(CaseIntegrity integrity, Guid streamId, Marten.ISerializer serializer)
    {
        private string _previous = HashChain.Genesis;
        private int _count;

        public long Expected { get; private set; } = 1;

        public IntegrityReport? Step(StoredEvent row)
        {
            _count++;
            if (row.Version != Expected) return Invalid(Expected, $"version {Expected} is missing");
            if (integrity.Check(row, _previous, serializer) is { } problem) return Invalid(row.Version, problem);

            _previous = row.Header(EventHeaders.Hash)!;
            Expected++;
            return null;
        }

        public IntegrityReport End(long streamVersion) =>
            Expected - 1 < streamVersion
                ? Invalid(Expected, $"the stream is at version {streamVersion} but its events end at {Expected - 1}")
                : new IntegrityReport(streamId, true, _count, null, null);

        private IntegrityReport Invalid(long version, string reason) => new(streamId, false, _count, version, reason);
    }

    private string? Check(StoredEvent row, string previous, Marten.ISerializer serializer)
    {
        // CaseTracker never archives an event; one archived by any other means has left every
        // read, the case's rebuild and time travel included, without leaving the chain.
        if (row.IsArchived) return "it is marked archived, which CaseTracker never does";

        var hash = row.Header(EventHeaders.Hash);
        return HashChain.Breaks(previous, row.Header(EventHeaders.PreviousHash), hash, row.Chained(serializer))
               ?? (key.Verify(hash!, row.Header(EventHeaders.Signature)) ? null : "its hash is not signed with the audit key");
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
