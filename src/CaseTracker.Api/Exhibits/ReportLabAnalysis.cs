using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Exhibits;

/// <param name="Substance">the substance as the laboratory confirmed it</param>
/// <param name="NetGrams">the drug's weight without packaging</param>
public record ReportLabAnalysis(
    string? Laboratory,
    string? LabNumber,
    DateTimeOffset? ReportedAt,
    string? Substance,
    decimal? NetGrams,
    decimal? NetGramsUncertainty,
    decimal? PurityPercent,
    decimal? PurityUncertainty,
    IReadOnlyList<string?>? Methods);

public static class ReportLabAnalysisEndpoint
{
    public static ProblemDetails Validate(ReportLabAnalysis command, TimeProvider clock) => new Validation(clock)
        .Text("laboratory", command.Laboratory)
        .Text("labNumber", command.LabNumber, LogExhibitEndpoint.MaxNumber)
        .Time("reportedAt", command.ReportedAt)
        .Text("substance", command.Substance)
        .Positive("netGrams", command.NetGrams, 1_000_000_000m)
        .Between("netGramsUncertainty", command.NetGramsUncertainty, 0, 1_000_000_000m)
        .Between("purityPercent", command.PurityPercent, 0, 100)
        .Between("purityUncertainty", command.PurityUncertainty, 0, 100)
        .Texts("methods", command.Methods)
        .Result;

    /// <summary>Records a laboratory's result; the latest result is what the exhibit counts as confirmed.</summary>
    [WolverinePost("/api/exhibits/{exhibitId:guid}/lab-results")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(ReportLabAnalysis command, [WriteExhibit] Exhibit current)
    {
        var reported = new LabAnalysisReported(
            current.CaseId, command.Laboratory!.Trim(), command.LabNumber!.Trim(), command.ReportedAt!.Value, command.Substance!.Trim(),
            command.NetGrams!.Value, command.NetGramsUncertainty, command.PurityPercent, command.PurityUncertainty,
            [.. (command.Methods ?? []).Select(x => x!.Trim())]);
        return (CommandAccepted.For(current, reported), [reported]);
    }
}
