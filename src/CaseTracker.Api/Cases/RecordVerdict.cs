using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record RecordVerdict(Guid? DefendantId, Guid? ChargeId, string? Verdict, DateTimeOffset? ReachedAt, string? Court);

public static class RecordVerdictEndpoint
{
    public static ProblemDetails Validate(RecordVerdict command, TimeProvider clock) => new Validation(clock)
        .Required("defendantId", command.DefendantId)
        .Required("chargeId", command.ChargeId)
        .OneOf("verdict", command.Verdict, Verdicts.All)
        .Time("reachedAt", command.ReachedAt)
        .Text("court", command.Court)
        .Result;

    /// <summary>The charge and what depends on it, read once the case's stream lock is held.</summary>
    public static Task<CaseEntries> LoadAsync(RecordVerdict command, Guid caseId, IQuerySession session, CancellationToken ct) =>
        CaseEntries.LoadAsync(session, caseId, command.ChargeId!.Value, ct);

    public static ProblemDetails Before(RecordVerdict command, Case current, CaseEntries entries)
    {
        if (CaseWriteRules.Identified(current, command.DefendantId) is { } unidentified) return unidentified;

        var chargeId = command.ChargeId!.Value;
        var charge = entries.Live(chargeId, EntryKind.Charge);
        if (charge is null) return Problems.NotFound($"No charge {chargeId} stands in this case.");
        if (charge.ParentId != command.DefendantId) return Problems.Invalid("chargeId", "is a charge against another defendant");
        return entries.LiveChildren(chargeId).Any(x => x.Kind == EntryKind.Verdict)
            ? Problems.Conflict($"Charge {chargeId} already has a verdict; retract it first to record another.")
            : WolverineContinue.NoProblems;
    }

    /// <summary>Records a court's verdict on one charge.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/verdicts")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(RecordVerdict command, [WriteCase] Case current)
    {
        var reached = new VerdictReached(
            Guid.CreateVersion7(), command.DefendantId!.Value, command.ChargeId!.Value, command.Verdict!,
            command.ReachedAt!.Value, command.Court!.Trim());
        return (CommandAccepted.For(current, reached), [reached]);
    }
}

public static class Verdicts
{
    public const string Guilty = "guilty";
    public const string NotGuilty = "not-guilty";
    public static readonly IReadOnlyList<string> All = [Guilty, NotGuilty];
}
