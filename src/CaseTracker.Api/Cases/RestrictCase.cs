using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

/// <summary>Limits the case to its lead and partner agencies (need-to-know), or lifts that limit.</summary>
public record RestrictCase(string? Reason, DateTimeOffset? OccurredAt);

public static class RestrictCaseEndpoint
{
    public static ProblemDetails Validate(RestrictCase command, TimeProvider clock) => new Validation(clock)
        .Text("reason", command.Reason, Validation.MaxText)
        .Time("occurredAt", command.OccurredAt, required: false)
        .Result;

    /// <summary>Only the case's own agencies decide who else may see it.</summary>
    public static ProblemDetails Before(Case current, ClaimsPrincipal user) =>
        OwnAgency(current, user) ?? (current.IsRestricted
            ? Problems.Conflict("The case is already restricted.")
            : WolverineContinue.NoProblems);

    /// <summary>Restricts the case to officers of its own agencies (need-to-know).</summary>
    [WolverinePost("/api/cases/{caseId:guid}/restriction")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(RestrictCase command, [WriteCase] Case current, TimeProvider clock)
    {
        var restricted = new CaseRestricted(command.OccurredAt ?? clock.GetUtcNow(), command.Reason!.Trim());
        return (CommandAccepted.For(current, restricted), [restricted]);
    }

    internal static ProblemDetails? OwnAgency(Case current, ClaimsPrincipal user) =>
        CaseAccess.AgencyOf(user) is { } agency && current.Agencies.Contains(agency)
            ? null
            : new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Only the case's agencies may change who sees it",
                Detail = $"Restrictions are set and lifted by officers of {string.Join(", ", current.Agencies)}."
            };
}

public static class LiftRestrictionEndpoint
{
    public static ProblemDetails Validate(RestrictCase command, TimeProvider clock) => RestrictCaseEndpoint.Validate(command, clock);

    public static ProblemDetails Before(Case current, ClaimsPrincipal user) =>
        RestrictCaseEndpoint.OwnAgency(current, user) ?? (current.IsRestricted
            ? WolverineContinue.NoProblems
            : Problems.Conflict("The case is not restricted."));

    /// <summary>Lifts the restriction: every reader may see the case again.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/restriction/lifting")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(RestrictCase command, [WriteCase] Case current, TimeProvider clock)
    {
        var lifted = new CaseRestrictionLifted(command.OccurredAt ?? clock.GetUtcNow(), command.Reason!.Trim());
        return (CommandAccepted.For(current, lifted), [lifted]);
    }
}
