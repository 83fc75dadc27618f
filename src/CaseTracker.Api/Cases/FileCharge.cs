using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record FileCharge(Guid? DefendantId, string? Offence, DateTimeOffset? FiledAt, string? Statute);

public static class FileChargeEndpoint
{
    public static ProblemDetails Validate(FileCharge command, TimeProvider clock) => new Validation(clock)
        .Required("defendantId", command.DefendantId)
        .Text("offence", command.Offence, Validation.MaxText)
        .Time("filedAt", command.FiledAt)
        .Text("statute", command.Statute, required: false)
        .Result;

    public static ProblemDetails Before(FileCharge command, Case current) =>
        CaseWriteRules.Identified(current, command.DefendantId).OrContinue();

    /// <summary>Files a charge against a defendant identified in the case.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/charges")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(FileCharge command, [WriteCase] Case current)
    {
        var filed = new ChargeFiled(
            Guid.CreateVersion7(), command.DefendantId!.Value, command.Offence!.Trim(), command.FiledAt!.Value, command.Statute?.Trim());
        return (CommandAccepted.For(current, filed), [filed]);
    }
}
