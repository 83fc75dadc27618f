using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record ReportReferralOutcome(
    DateTimeOffset? ReportedAt, int? InvestigationsOpened, int? Arrests, int? Indictments, IReadOnlyList<string?>? Jurisdictions);

public static class ReportReferralOutcomeEndpoint
{
    public static ProblemDetails Validate(ReportReferralOutcome command, TimeProvider clock) => new Validation(clock)
        .Time("reportedAt", command.ReportedAt)
        .Count("investigationsOpened", command.InvestigationsOpened)
        .Count("arrests", command.Arrests)
        .Count("indictments", command.Indictments)
        .Texts("jurisdictions", command.Jurisdictions)
        .Result;

    /// <summary>The referral, read once the case's stream lock is held.</summary>
    public static Task<CaseEntries> LoadAsync(Guid caseId, Guid referralId, IQuerySession session, CancellationToken ct) =>
        CaseEntries.LoadAsync(session, caseId, referralId, ct);

    public static ProblemDetails Before(Guid referralId, CaseEntries entries) =>
        entries.Live(referralId, EntryKind.Referral) is null
            ? Problems.NotFound($"No referral {referralId} stands in this case.")
            : WolverineContinue.NoProblems;

    /// <summary>Records what an agency reports back about a referred lead.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/referrals/{referralId:guid}/outcomes")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(ReportReferralOutcome command, Guid referralId, [WriteCase] Case current)
    {
        var reported = new ReferralOutcomeReported(
            Guid.CreateVersion7(), referralId, command.ReportedAt!.Value, command.InvestigationsOpened!.Value,
            command.Arrests!.Value, command.Indictments!.Value, [.. (command.Jurisdictions ?? []).Select(x => x!.Trim()).Distinct()]);
        return (CommandAccepted.For(current, reported), [reported]);
    }
}
