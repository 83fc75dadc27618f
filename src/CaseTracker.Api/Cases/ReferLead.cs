using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record ReferLead(string? ToAgency, string? Jurisdiction, int? SubjectsIdentified, DateTimeOffset? ReferredAt, string? Summary);

public static class ReferLeadEndpoint
{
    public static ProblemDetails Validate(ReferLead command, TimeProvider clock) => new Validation(clock)
        .Text("toAgency", command.ToAgency)
        .Text("jurisdiction", command.Jurisdiction)
        .Count("subjectsIdentified", command.SubjectsIdentified)
        .Time("referredAt", command.ReferredAt)
        .Text("summary", command.Summary, Validation.MaxText)
        .Result;

    /// <summary>Refers a lead to an agency in another jurisdiction.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/referrals")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(ReferLead command, [WriteCase] Case current)
    {
        var referred = new LeadReferred(
            Guid.CreateVersion7(), command.ToAgency!.Trim(), command.Jurisdiction!.Trim(), command.SubjectsIdentified!.Value,
            command.ReferredAt!.Value, command.Summary!.Trim());
        return (CommandAccepted.For(current, referred), [referred]);
    }
}
