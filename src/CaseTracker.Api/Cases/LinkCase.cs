using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record LinkCase(Guid? LinkedCaseId, string? Relation, string? Note, DateTimeOffset? OccurredAt);

public static class LinkCaseEndpoint
{
    public static ProblemDetails Validate(LinkCase command, TimeProvider clock) => new Validation(clock)
        .Required("linkedCaseId", command.LinkedCaseId)
        .OneOf("relation", command.Relation, CaseRelations.All)
        .Text("note", command.Note, Validation.MaxText)
        .Time("occurredAt", command.OccurredAt, required: false)
        .Result;

    /// <summary>The case to link to, if the officer may see it: a case they may not see is, to them, no case at all.</summary>
    public static async Task<CaseHeader?> LoadAsync(LinkCase command, IQuerySession session, ClaimsPrincipal user, CancellationToken ct) =>
        await session.LoadAsync<CaseHeader>(command.LinkedCaseId!.Value, ct) is { } linked && CaseAccess.MaySee(user, linked.Restricted, linked.Agencies)
            ? linked
            : null;

    public static ProblemDetails Before(LinkCase command, Case current, CaseHeader? linked)
    {
        var linkedId = command.LinkedCaseId!.Value;
        if (linked is null) return Problems.NotFound($"No case {linkedId} exists to link to.");
        if (linkedId == current.Id) return Problems.Invalid("linkedCaseId", "must name another case");
        return current.Links.ContainsValue(Case.LinkKey(linkedId, command.Relation!))
            ? Problems.Conflict($"This case is already linked to {linkedId} as {command.Relation}.")
            : WolverineContinue.NoProblems;
    }

    /// <summary>Links the case to another case.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/links")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(LinkCase command, [WriteCase] Case current, TimeProvider clock)
    {
        var linked = new CaseLinked(
            Guid.CreateVersion7(), command.LinkedCaseId!.Value, command.Relation!, command.Note!.Trim(),
            command.OccurredAt ?? clock.GetUtcNow());
        return (CommandAccepted.For(current, linked), [linked]);
    }
}

public static class CaseRelations
{
    public static readonly IReadOnlyList<string> All = ["related-network", "spawned-from", "same-defendant"];
}
