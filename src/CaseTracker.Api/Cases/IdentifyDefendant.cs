using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

/// <summary>
/// Names a person in the case: a new person by <see cref="Name"/>, or someone already identified in
/// another case by <see cref="DefendantId"/>, so that both cases point at one person.
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
    public static ProblemDetails Validate(IdentifyDefendant command) => new Validation()
        .Rule(command.Name is not null || command.DefendantId is not null, "name", "is required unless defendantId names a known person")
        .Text("name", command.Name, required: false)
        .Rule(command.DefendantId != Guid.Empty, "defendantId", "must not be the empty id")
        .Texts("aliases", command.Aliases)
        .Text("nationality", command.Nationality, required: false)
        .Text("role", command.Role, required: false)
        .Time("occurredAt", command.OccurredAt, required: false)
        .Result;

    /// <summary>The person's first identification anywhere, when the command names an existing person.</summary>
    public static async Task<DefendantIdentified?> LoadAsync(IdentifyDefendant command, IQuerySession session, CancellationToken ct) =>
        command.DefendantId is { } id
            ? await session.Events.QueryRawEventDataOnly<DefendantIdentified>().Where(x => x.DefendantId == id).FirstOrDefaultAsync(ct)
            : null;

    public static ProblemDetails Before(IdentifyDefendant command, Case current, HttpContext http, DefendantIdentified? known) =>
        CaseWriteRules.Check(current, http, () =>
            command.DefendantId switch
            {
                { } id when known is null => Problems.NotFound($"No defendant {id} has been identified in any case."),
                { } id when current.Defendants.Contains(id) =>
                    Problems.Conflict($"Defendant {id} is already identified in this case."),
                _ => null
            });

    [WolverinePost("/api/cases/{caseId:guid}/defendants")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(
        IdentifyDefendant command, [Aggregate("caseId", LoadStyle = ConcurrencyStyle.Exclusive)] Case current, DefendantIdentified? known, TimeProvider clock)
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
