using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Defendants;

/// <summary>A merge was wrong: both people are read apart again.</summary>
public record ReverseMerge(string? Reason, DateTimeOffset? ReversedAt);

public static class ReverseMergeEndpoint
{
    public static ProblemDetails Validate(ReverseMerge command, TimeProvider clock) => new Validation(clock)
        .Text("reason", command.Reason, Validation.MaxText)
        .Time("reversedAt", command.ReversedAt)
        .Result;

    public static async Task<MergeParties> LoadAsync(Guid defendantId, Guid mergeId, IDocumentSession session, HttpContext http, CancellationToken ct)
    {
        var merged = (await session.Query<MergedPerson>().Where(x => x.MergeId == mergeId && x.SurvivorId == defendantId).ToListAsync(ct))
            .SingleOrDefault()?.Id ?? defendantId;
        await PersonMerges.LockAsync(session, defendantId, merged, ct);
        return await MergeParties.LoadAsync(session, defendantId, merged, http.User, ct);
    }

    /// <summary>The survivor known to the reader and the merge theirs (404), If-Match, then a merge already reversed (409).</summary>
    public static ProblemDetails Before(Guid defendantId, Guid mergeId, PersonRecord? survivor, MergeParties parties, HttpContext http)
    {
        var merge = survivor?.Merges.FirstOrDefault(x => x.MergeId == mergeId);
        if (!parties.Seen.Contains(defendantId)) return Problems.NoDefendant(defendantId);
        if (merge is null) return Problems.NotFound($"Defendant {defendantId} has no merge {mergeId}.");
        if (ExpectedVersion.Unmet(http.Request, survivor!.Version, "person's record") is { } unmet) return unmet;
        return merge.Reversed
            ? MergeParties.Conflict($"Merge {mergeId} was already reversed.")
            : WolverineContinue.NoProblems;
    }

    /// <summary>Reverses a merge.</summary>
    /// <remarks>
    /// Both people read exactly as if the merge had never been made: each id answers its own
    /// profile again, searches find each by their own names, and the dashboard counts both.
    /// Facts recorded under either id while the merge stood stay with that id.
    /// </remarks>
    [WolverinePost("/api/defendants/{defendantId:guid}/merges/{mergeId:guid}/reversal")]
    [Authorize(Policy = Policies.MergePeople)]
    [Operations.Refuses(StatusCodes.Status404NotFound, "Nobody with that id is identified in a case this reader may see, or their record is sealed from them, or the merge is not theirs.")]
    [Operations.Refuses(StatusCodes.Status409Conflict, "The merge was already reversed; nothing was recorded.")]
    public static (MergeRecorded, Events) Post(ReverseMerge command, Guid defendantId, Guid mergeId, [WritePerson] PersonRecord? survivor)
    {
        var merge = survivor!.Merges.Single(x => x.MergeId == mergeId);
        var reversal = new DefendantsUnmerged(mergeId, defendantId, merge.MergedDefendantId, command.Reason!.Trim(), command.ReversedAt!.Value);
        return (MergeRecorded.For(survivor, reversal), [reversal]);
    }
}
