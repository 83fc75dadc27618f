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

        var walk = new Walk(this, state.AggregateType, store.Options.Serializer(), state.IsArchived);
        while (true)
        {
            var rows = await StoredEvents.ReadAsync(store, streamId, walk.Expected, Page, ct);
            foreach (var row in rows)
            {
                if (walk.Step(row) is { } broken) return broken;
            }

            if (rows.Count < Page) break;
        }

        return walk.End(state.Version);
    }

    /// <summary>
    /// The same check over one stream's rows already read (oldest first), up to the version the
    /// stream is known to be at; whether the stream is archived is taken from its first row.
    /// </summary>
    public ChainCheck Verify(Type? streamType, IReadOnlyList<StoredEvent> rows, long streamVersion)
    {
        var walk = new Walk(this, streamType, store.Options.Serializer(), rows is [{ IsArchived: true }, ..]);
        foreach (var row in rows)
        {
            if (walk.Step(row) is { } broken) return broken;
        }

        return walk.End(streamVersion);
    }

    /// <summary>
    /// One stream's rows checked in version order, each against the hash of the one before. An
    /// archived stream is archived whole, and only once it was closed: every row carries the
    /// stream's archived flag, and the last is a <see cref="IFinalFact"/>. A single event archived
    /// by any other means, or the stream of a case still open, is named.
    /// </summary>
    private sealed class Walk(StreamIntegrity integrity, Type? streamType, Marten.ISerializer serializer, bool archived)
    {
        private string _previous = HashChain.Genesis;
        private int _count;
        private StoredEvent? _last;

        public long Expected { get; private set; } = 1;

        public ChainCheck? Step(StoredEvent row)
        {
            _count++;
            if (row.Version != Expected) return Invalid(Expected, $"version {Expected} is missing");
            if (row.IsArchived != archived)
            {
                return Invalid(row.Version, archived ? "it is not archived although its stream is" : "it is marked archived although its stream is not");
            }

            if (integrity.Check(row, _previous, serializer) is { } problem) return Invalid(row.Version, problem);

            _previous = row.Header(EventHeaders.Hash)!;
            _last = row;
            Expected++;
            return null;
        }

        public ChainCheck End(long streamVersion) =>
            Expected - 1 < streamVersion
                ? Invalid(Expected, $"the stream is at version {streamVersion} but its events end at {Expected - 1}")
                : archived && _last is { } last && !FinalFacts.EventTypeNames.Contains(last.StoredType)
                    ? Invalid(last.Version, "the stream is archived but was never closed: its last event is not a closing one")
                    : new ChainCheck(streamType, true, _count, null, null);

        private ChainCheck Invalid(long version, string reason) => new(streamType, false, _count, version, reason);
    }

    private string? Check(StoredEvent row, string previous, Marten.ISerializer serializer)
    {
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
