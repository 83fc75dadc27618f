using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Privacy;

/// <summary>A court's order lifting the seal on a person's record.</summary>
public record LiftSeal(string? OrderRef, DateTimeOffset? LiftedAt);

public static class LiftSealEndpoint
{
    public static ProblemDetails Validate(LiftSeal command, TimeProvider clock) => new Validation(clock)
        .Text("orderRef", command.OrderRef)
        .Time("liftedAt", command.LiftedAt)
        .Result;

    public static Task<PersonNames?> LoadAsync(Guid defendantId, IQuerySession session, PersonalKeys keys, CancellationToken ct) =>
        PersonNames.LoadAsync(session, keys, defendantId, ct);

    public static ProblemDetails Before(Guid defendantId, PersonRecord? person, PersonNames? known, HttpContext http) =>
        PersonOrderRules.Check(defendantId, person, known, http)
        ?? (person is { Sealed: true } ? WolverineContinue.NoProblems : PersonOrderRules.Conflict($"The record of defendant {defendantId} is not sealed."));

    /// <summary>Lifts the seal on a person's record by court order.</summary>
    /// <remarks>Every reader finds the person again as before the seal. An expunged record cannot be unsealed: 409.</remarks>
    [WolverinePost("/api/defendants/{defendantId:guid}/sealing/lifting")]
    [Authorize(Policy = Policies.RecordOrders)]
    public static (OrderRecorded, Events) Post(LiftSeal command, Guid defendantId, [WritePerson] PersonRecord? person)
    {
        var lifted = new RecordUnsealed(defendantId, command.OrderRef!.Trim(), command.LiftedAt!.Value, [.. person!.SealedSubjects], [.. person.SealedMerged]);
        return (OrderRecorded.For(person, defendantId), [lifted]);
    }
}
