using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Defendants;

/// <summary>The person named in the route is found to be the same as <c>mergedDefendantId</c>, and survives.</summary>
public record MergeDefendants(Guid? MergedDefendantId, string? Reason, DateTimeOffset? MergedAt);

/// <summary>The answer to a merge or its reversal: the survivor, the merge, and the version of the survivor's record after it.</summary>
public record MergeRecorded(Guid DefendantId, Guid MergeId, long Version)
{
    public static MergeRecorded For(PersonRecord? survivor, DefendantsMerged merge) => new(merge.DefendantId, merge.MergeId, (survivor?.Version ?? 0) + 1);

    public static MergeRecorded For(PersonRecord? survivor, DefendantsUnmerged reversal) => new(reversal.DefendantId, reversal.MergeId, (survivor?.Version ?? 0) + 1);

    /// <summary>What a replayed Idempotency-Key answers: the same, from the event the first request appended.</summary>
    public static MergeRecorded? Replay(object appended, long version) => appended switch
    {
        DefendantsMerged x => new MergeRecorded(x.DefendantId, x.MergeId, version),
        DefendantsUnmerged x => new MergeRecorded(x.DefendantId, x.MergeId, version),
        _ => null,
    };
}

/// <summary>
/// What the rules of a merge ask about the two people, read after both are locked
/// (<see cref="PersonMerges.LockAsync"/>), so that no other merge touching either is deciding at the same time.
/// </summary>
/// <param name="Seen">the ids the reader may see: identified in a case they may see, and not sealed from them</param>
/// <param name="MergedInto">survivor by merged person, for whichever of the two is merged</param>
/// <param name="Survivors">which of the two have people merged into them</param>
public sealed record MergeParties(IReadOnlySet<Guid> Seen, IReadOnlySet<Guid> Expunged, IReadOnlyDictionary<Guid, Guid> MergedInto, IReadOnlySet<Guid> Survivors)
{
    public static async Task<MergeParties> LoadAsync(IQuerySession session, Guid one, Guid other, ClaimsPrincipal reader, CancellationToken ct)
    {
        Guid[] ids = [one, other];
        var identifications = await session.Query<CaseDetailsEntry>().Where(x => x.IdentifiedDefendantId == one || x.IdentifiedDefendantId == other).ToListAsync(ct);
        var caseIds = identifications.Select(x => x.CaseId).Distinct().ToArray();
        var visibleCases = caseIds.Length == 0 ? [] : await session.Query<CaseHeader>().Where(x => x.CaseId.IsOneOf(caseIds)).VisibleTo(reader).Select(x => x.CaseId).ToListAsync(ct);
        var disclosure = await Disclosure.ForAsync(session, reader, ids, ct);
        var seen = identifications.Where(x => visibleCases.Contains(x.CaseId)).Select(x => x.IdentifiedDefendantId!.Value)
            .Where(x => !disclosure.Hides(x)).ToHashSet();

        var merged = await session.Query<MergedPerson>().Where(x => x.Id.IsOneOf(ids) || x.SurvivorId.IsOneOf(ids)).ToListAsync(ct);
        return new MergeParties(
            seen,
            ids.Where(x => disclosure.Placeholder(x) == Withheld.Expunged).ToHashSet(),
            merged.Where(x => ids.Contains(x.Id)).ToDictionary(x => x.Id, x => x.SurvivorId),
            merged.Select(x => x.SurvivorId).Where(ids.Contains).ToHashSet());
    }

    public static ProblemDetails Conflict(string detail) => Problems.Conflict(detail, "people");
}

public static class MergeDefendantsEndpoint
{
    public static ProblemDetails Validate(MergeDefendants command, TimeProvider clock) => new Validation(clock)
        .Required("mergedDefendantId", command.MergedDefendantId)
        .Text("reason", command.Reason, Validation.MaxText)
        .Time("mergedAt", command.MergedAt)
        .Result;

    public static async Task<MergeParties> LoadAsync(MergeDefendants command, Guid defendantId, IDocumentSession session, HttpContext http, CancellationToken ct)
    {
        var merged = command.MergedDefendantId ?? defendantId;
        await PersonMerges.LockAsync(session, defendantId, merged, ct);
        return await MergeParties.LoadAsync(session, defendantId, merged, http.User, ct);
    }

    /// <summary>
    /// Both people known to the reader (404 as for an unknown id otherwise), If-Match against the
    /// survivor's record, then what would make the merge wrong (409). Groups stay one level deep:
    /// a survivor is never itself merged, so every merged id leads straight to its survivor.
    /// </summary>
    public static ProblemDetails Before(MergeDefendants command, Guid defendantId, PersonRecord? survivor, MergeParties parties, HttpContext http)
    {
        var merged = command.MergedDefendantId!.Value;
        if (!parties.Seen.Contains(defendantId)) return Problems.NoDefendant(defendantId);
        if (ExpectedVersion.Unmet(http.Request, survivor?.Version ?? 0, "person's record") is { } unmet) return unmet;
        if (merged == defendantId) return MergeParties.Conflict($"Defendant {defendantId} cannot be merged with themselves.");
        if (!parties.Seen.Contains(merged)) return Problems.NoDefendant(merged);

        if (new[] { defendantId, merged }.Where(parties.Expunged.Contains).ToList() is [var expunged, ..])
        {
            return MergeParties.Conflict($"The record of defendant {expunged} was expunged by court order; it cannot be merged.");
        }

        if (parties.MergedInto.TryGetValue(defendantId, out var survivorOfSurvivor))
        {
            return MergeParties.Conflict($"Defendant {defendantId} is merged into {survivorOfSurvivor}; merge into {survivorOfSurvivor} instead.");
        }

        if (parties.MergedInto.TryGetValue(merged, out var already))
        {
            return MergeParties.Conflict($"Defendant {merged} is already merged into {already}; reverse that merge first.");
        }

        return parties.Survivors.Contains(merged)
            ? MergeParties.Conflict($"Other people are merged into defendant {merged}; reverse those merges, or merge them into {defendantId} one by one.")
            : WolverineContinue.NoProblems;
    }

    /// <summary>Merges another person into this one.</summary>
    /// <remarks>
    /// The person in the route survives: from now on either id answers their profile, which holds the
    /// cases, arrests, charges, verdicts, sentences, names and aliases of both, with <c>mergedIds</c>;
    /// searches find the survivor by either person's names; the dashboard counts one person; commands
    /// naming either id keep working. Nothing recorded is rewritten, and a reversal restores both.
    /// </remarks>
    [WolverinePost("/api/defendants/{defendantId:guid}/merges")]
    [Authorize(Policy = Policies.MergePeople)]
    [Operations.Refuses(StatusCodes.Status404NotFound, "Nobody with that id (the route's or mergedDefendantId) is identified in a case this reader may see, or their record is sealed from them.")]
    [Operations.Refuses(StatusCodes.Status409Conflict,
        "The merge would be wrong: a person with themselves, an expunged record, someone already merged, or someone other people are merged into; nothing was recorded.")]
    public static (MergeRecorded, Events) Post(MergeDefendants command, Guid defendantId, [WritePerson] PersonRecord? survivor)
    {
        var merge = new DefendantsMerged(Guid.CreateVersion7(), defendantId, command.MergedDefendantId!.Value, command.Reason!.Trim(), command.MergedAt!.Value);
        return (MergeRecorded.For(survivor, merge), [merge]);
    }
}
