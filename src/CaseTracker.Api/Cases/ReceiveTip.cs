using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record ReceiveTip(string? FromAgency, DateTimeOffset? ReceivedAt, string? Summary, string? SubjectAlias, string? Channel);

public static class ReceiveTipEndpoint
{
    public static ProblemDetails Validate(ReceiveTip command, TimeProvider clock) => new Validation(clock)
        .Text("fromAgency", command.FromAgency)
        .Time("receivedAt", command.ReceivedAt)
        .Text("summary", command.Summary, Validation.MaxText)
        .Text("subjectAlias", command.SubjectAlias, required: false)
        .Text("channel", command.Channel, required: false)
        .Result;

    /// <summary>Records a tip received from another agency.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/tips")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(ReceiveTip command, [WriteCase] Case current)
    {
        var tip = new TipReceived(
            Guid.CreateVersion7(), command.FromAgency!.Trim(), command.ReceivedAt!.Value, command.Summary!.Trim(),
            command.SubjectAlias?.Trim(), command.Channel?.Trim());
        return (CommandAccepted.For(current, tip), [tip]);
    }
}
