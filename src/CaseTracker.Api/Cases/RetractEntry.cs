using CaseTracker.Api.Auth;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

/// <summary>
/// Withdraws an entry recorded in error. The entry's event stays in the history; every projection
/// drops the entry. A wrong field is corrected by retracting the entry and recording it again.
/// </summary>
public record RetractEntry(Guid? EntryId, string? Reason, DateTimeOffset? OccurredAt);

public static class RetractEntryEndpoint
{
    public static ProblemDetails Validate(RetractEntry command, TimeProvider clock) => new Validation(clock)
        .Required("entryId", command.EntryId)
        .Text("reason", command.Reason, Validation.MaxText)
        .Time("occurredAt", command.OccurredAt, required: false)
        .Result;

    /// <summary>
    /// The entry and what depends on it, read once the case's stream lock is held: its entries and,
    /// for a seizure, its exhibits not yet disposed of (logging one takes the same lock).
    /// </summary>
    public static async Task<(CaseEntries, LiveExhibits)> LoadAsync(RetractEntry command, Guid caseId, IQuerySession session, CancellationToken ct)
    {
        var entryId = command.EntryId!.Value;
        var entries = await CaseEntries.LoadAsync(session, caseId, entryId, ct);
        if (entries.Find(entryId) is not { Kind: EntryKind.Seizure }) return (entries, new LiveExhibits([]));

        var exhibits = await session.Query<Exhibit>().Where(x => x.CaseId == caseId && x.SeizureId == entryId && !x.IsDisposed).ToListAsync(ct);
        return (entries, new LiveExhibits([.. exhibits.Select(x => x.ExhibitNumber).Order(StringComparer.Ordinal)]));
    }

    public static ProblemDetails Before(RetractEntry command, CaseEntries entries, LiveExhibits exhibits)
    {
        var entryId = command.EntryId!.Value;
        if (entries.Find(entryId) is not { } entry) return Problems.NotFound($"No entry {entryId} in this case.");
        if (entry.Retracted) return Problems.Conflict($"Entry {entryId} is already retracted.");
        if (exhibits.Numbers.Count > 0)
        {
            return Problems.Conflict(
                $"Seizure {entryId} still has exhibits not disposed of ({string.Join(", ", exhibits.Numbers)}); their chain of custody needs it.");
        }

        return entries.HasLiveDependents(entryId)
            ? Problems.Conflict($"Entries that depend on {entryId} still stand; retract them first.")
            : WolverineContinue.NoProblems;
    }

    /// <summary>Withdraws an entry recorded in error; the history keeps it, struck through.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/retractions")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(
        RetractEntry command, [WriteCase] Case current, CaseEntries entries, TimeProvider clock)
    {
        var entryId = command.EntryId!.Value;
        var entry = entries.Find(entryId)!;
        var retracted = new EntryRetracted(
            Guid.CreateVersion7(), entryId, entry.Kind, entry.Version, entry.DefendantId, command.Reason!.Trim(),
            command.OccurredAt ?? clock.GetUtcNow());
        return (CommandAccepted.For(current, retracted), [retracted]);
    }
}

/// <summary>The numbers of a seizure's exhibits that are not yet disposed of.</summary>
public sealed record LiveExhibits(IReadOnlyList<string> Numbers);
