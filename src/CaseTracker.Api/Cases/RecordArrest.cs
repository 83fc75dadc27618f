using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record RecordArrest(Guid? DefendantId, DateTimeOffset? ArrestedAt, string? Place, string? Agency);

public static class RecordArrestEndpoint
{
    public static ProblemDetails Validate(RecordArrest command, TimeProvider clock) => new Validation(clock)
        .Required("defendantId", command.DefendantId)
        .Time("arrestedAt", command.ArrestedAt)
        .Text("place", command.Place)
        .Text("agency", command.Agency)
        .Result;

    public static ProblemDetails Before(RecordArrest command, Case current) =>
        CaseWriteRules.Identified(current, command.DefendantId).OrContinue();

    /// <summary>Records the arrest of a defendant identified in the case.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/arrests")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(RecordArrest command, [WriteCase] Case current)
    {
        var arrest = new ArrestMade(
            Guid.CreateVersion7(), command.DefendantId!.Value, command.ArrestedAt!.Value, command.Place!.Trim(), command.Agency!.Trim());
        return (CommandAccepted.For(current, arrest), [arrest]);
    }
}
