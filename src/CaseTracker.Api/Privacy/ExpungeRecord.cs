using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Privacy;

/// <summary>A court's order expunging a person's record: their personal fields destroyed, for good.</summary>
public record ExpungeRecord(string? OrderRef, string? Court, DateTimeOffset? ExpungedAt);

public static class ExpungeRecordEndpoint
{
    public static ProblemDetails Validate(ExpungeRecord command, TimeProvider clock) => new Validation(clock)
        .Text("orderRef", command.OrderRef)
        .Text("court", command.Court)
        .Time("expungedAt", command.ExpungedAt)
        .Result;

    public static Task<PersonNames?> LoadAsync(Guid defendantId, IQuerySession session, PersonalKeys keys, CancellationToken ct) =>
        PersonNames.LoadAsync(session, keys, defendantId, ct, inClear: true);

    /// <summary>
    /// A person recorded before personal fields were encrypted is refused: their names stand in the
    /// clear in events that cannot be rewritten, so CaseTracker could not do what the order says.
    /// </summary>
    public static ProblemDetails Before(Guid defendantId, PersonRecord? person, PersonNames? known, HttpContext http) =>
        PersonOrderRules.Check(defendantId, person, known, http)
        ?? (known!.StoredInClear
            ? PersonOrderRules.Conflict(
                $"Defendant {defendantId} was recorded before personal fields were encrypted: events hold their name in the clear, which "
                + "an expungement cannot destroy without breaking the hash chain. Nothing was recorded; the operator must first migrate "
                + "those events as docs/privacy.md describes.")
            : WolverineContinue.NoProblems);

    /// <summary>Expunges a person's record by court order.</summary>
    /// <remarks>
    /// Irreversible. The person's keys are destroyed and every copy of their name, aliases and
    /// nationality (and of tips naming them) is rewritten to <c>[expunged]</c> in the same
    /// transaction, for every reader, at every point in time and in the history. Events stay, so
    /// every hash chain still verifies; counts do not change. A second expungement: 409. The people
    /// merged into this person when it is made are expunged with them.
    /// </remarks>
    [WolverinePost("/api/defendants/{defendantId:guid}/expungement")]
    [Authorize(Policy = Policies.RecordOrders)]
    public static (OrderRecorded, Events) Post(ExpungeRecord command, Guid defendantId, [WritePerson] PersonRecord? person, PersonNames known)
    {
        var order = new RecordExpunged(defendantId, command.OrderRef!.Trim(), command.Court!.Trim(), command.ExpungedAt!.Value, known.Subjects, known.Merged);
        return (OrderRecorded.For(person, defendantId), [order]);
    }
}
