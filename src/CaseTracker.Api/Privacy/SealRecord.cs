using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Privacy;

/// <summary>A court's order sealing a person's record: hidden from ordinary use, kept for auditors.</summary>
public record SealRecord(string? OrderRef, string? Court, DateTimeOffset? SealedAt, string? Reason);

public static class SealRecordEndpoint
{
    public static ProblemDetails Validate(SealRecord command, TimeProvider clock) => new Validation(clock)
        .Text("orderRef", command.OrderRef)
        .Text("court", command.Court)
        .Time("sealedAt", command.SealedAt)
        .Text("reason", command.Reason, Validation.MaxText, required: false)
        .Result;

    public static Task<PersonNames?> LoadAsync(Guid defendantId, IQuerySession session, PersonalKeys keys, CancellationToken ct) =>
        PersonNames.LoadAsync(session, keys, defendantId, ct);

    public static ProblemDetails Before(Guid defendantId, PersonRecord? person, PersonNames? known, HttpContext http) =>
        PersonOrderRules.Check(defendantId, person, known, http)
        ?? (person is { Sealed: true } ? PersonOrderRules.Conflict($"The record of defendant {defendantId} is already sealed.") : WolverineContinue.NoProblems);

    /// <summary>Seals a person's record by court order.</summary>
    /// <remarks>
    /// Officers and analysts no longer find the person: their profile answers 404, searches skip
    /// them, and cases show their name, aliases and nationality (and tips naming them) as
    /// <c>[sealed]</c>. Auditors and admins still read everything, and each such read is in the read log.
    /// The seal covers the people merged into this person when it is made, until it is lifted.
    /// </remarks>
    [WolverinePost("/api/defendants/{defendantId:guid}/sealing")]
    [Authorize(Policy = Policies.RecordOrders)]
    public static (OrderRecorded, Events) Post(SealRecord command, Guid defendantId, [WritePerson] PersonRecord? person, PersonNames known)
    {
        var order = new RecordSealed(defendantId, command.OrderRef!.Trim(), command.Court!.Trim(), command.SealedAt!.Value, command.Reason?.Trim(), known.Subjects, known.Merged);
        return (OrderRecorded.For(person, defendantId), [order]);
    }
}
