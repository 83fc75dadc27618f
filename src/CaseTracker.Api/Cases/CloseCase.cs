using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record CloseCase(DateTimeOffset? ClosedAt, string? Disposition);

public static class CloseCaseEndpoint
{
    public static ProblemDetails Validate(CloseCase command, TimeProvider clock) => new Validation(clock)
        .Time("closedAt", command.ClosedAt)
        .Text("disposition", command.Disposition, Validation.MaxText)
        .Result;

    /// <summary>Closes the case; nothing more can be recorded on it.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/closure")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(CloseCase command, [WriteCase] Case current)
    {
        var closed = new CaseClosed(command.ClosedAt!.Value, command.Disposition!.Trim());
        return (CommandAccepted.For(current, closed), [closed]);
    }
}
