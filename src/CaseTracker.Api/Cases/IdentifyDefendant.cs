using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

/// <summary>
/// Names a person in the case: a new person by <c>name</c>, or someone already identified in
/// another case by <c>defendantId</c>, so that both cases point at one person.
/// </summary>
public record IdentifyDefendant(
    string? Name,
    Guid? DefendantId,
    IReadOnlyList<string?>? Aliases,
    string? Nationality,
    string? Role,
    DateTimeOffset? OccurredAt);

public static class IdentifyDefendantEndpoint
{
    public static ProblemDetails Validate(IdentifyDefendant command, TimeProvider clock) => new Validation(clock)
        .Rule(command.Name is not null || command.DefendantId is not null, "name", "is required unless defendantId names a known person")
        .Text("name", command.Name, required: false)
        .Rule(command.DefendantId != Guid.Empty, "defendantId", "must not be the empty id")
        .Texts("aliases", command.Aliases)
        .Text("nationality", command.Nationality, required: false)
        .Text("role", command.Role, required: false)
        .Time("occurredAt", command.OccurredAt, required: false)
        .Result;

    /// <summary>
    /// When the command names an existing person, what the officer may know of them: their latest
    /// standing identification (by the time it was made) in a case the officer may see. Someone
    /// known only from cases hidden from the officer is, to them, unknown; so is someone whose
    /// record a court sealed or expunged (docs/privacy.md).
    /// </summary>
    public static async Task<CaseDefendant?> LoadAsync(IdentifyDefendant command, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        if (command.DefendantId is not { } id) return null;
        if (await Disclosure.UnderOrderAsync(session, id, ct)) return null;

        var identifications = await session.Query<CaseDetailsEntry>().Where(x => x.IdentifiedDefendantId == id).ToListAsync(ct);
        if (identifications.Count == 0) return null;

        var caseIds = identifications.Select(x => x.CaseId).ToArray();
        var visible = await session.Query<CaseHeader>().Where(x => x.CaseId.IsOneOf(caseIds)).VisibleTo(http.User)
            .Select(x => x.CaseId).ToListAsync(ct);
        return identifications
            .Where(x => visible.Contains(x.CaseId))
            .OrderBy(x => x.Defendant!.IdentifiedAt).ThenBy(x => x.CaseId)
            .LastOrDefault()?.Defendant;
    }

    public static ProblemDetails Before(IdentifyDefendant command, Case current, CaseDefendant? known) =>
        command.DefendantId switch
        {
            { } id when known is null => Problems.NoDefendant(id),
            { } id when current.Defendants.Contains(id) =>
                Problems.Conflict($"Defendant {id} is already identified in this case."),
            _ => WolverineContinue.NoProblems
        };

    /// <summary>Identifies a person in the case: someone new by name, or someone known from another case by id.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/defendants")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(
        IdentifyDefendant command, [WriteCase] Case current, CaseDefendant? known, TimeProvider clock)
    {
        var identified = new DefendantIdentified(
            command.DefendantId ?? Guid.CreateVersion7(),
            command.Name?.Trim() ?? known!.Name,
            [.. (command.Aliases ?? known?.Aliases ?? []).Select(x => x!.Trim()).Distinct()],
            command.Nationality?.Trim() ?? known?.Nationality,
            command.Role?.Trim(),
            command.OccurredAt ?? clock.GetUtcNow());
        return (CommandAccepted.For(current, identified), [identified]);
    }
}
