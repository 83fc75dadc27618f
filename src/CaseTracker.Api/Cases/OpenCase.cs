using System.Text.RegularExpressions;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record OpenCase(
    string? Reference,
    string? Title,
    string? LeadAgency,
    string? Jurisdiction,
    IReadOnlyList<string?>? PartnerAgencies,
    DateTimeOffset? OpenedAt);

public static partial class OpenCaseEndpoint
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")]
    private static partial Regex ReferencePattern();

    public static ProblemDetails Validate(OpenCase command, TimeProvider clock) => new Validation(clock)
        .Text("reference", command.Reference, 64)
        .Rule(command.Reference is null || ReferencePattern().IsMatch(command.Reference.Trim()), "reference",
            "must be letters, digits and . _ / - (such as XT-2017-001)")
        .Text("title", command.Title)
        .Text("leadAgency", command.LeadAgency)
        .Text("jurisdiction", command.Jurisdiction)
        .Texts("partnerAgencies", command.PartnerAgencies)
        .Time("openedAt", command.OpenedAt)
        .Result;

    /// <summary>
    /// References are unique; the unique index on the read model settles a race between two openers.
    /// A reference taken by a case the officer may not see is refused without naming that case.
    /// </summary>
    public static async Task<ProblemDetails> ValidateAsync(OpenCase command, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var reference = Normalise(command.Reference!);
        var taken = await session.Query<CaseHeader>().FirstOrDefaultAsync(x => x.Reference == reference, ct);
        return taken switch
        {
            null => WolverineContinue.NoProblems,
            _ when CaseAccess.MaySee(http.User, taken.Restricted, taken.Agencies) =>
                Problems.Conflict($"Case {taken.CaseId} already has the reference {reference}; choose another."),
            _ => Problems.Conflict($"The reference {reference} is not available; choose another."),
        };
    }

    /// <summary>Opens a case under a reference of its own.</summary>
    [WolverinePost("/api/cases")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, IStartStream) Post(OpenCase command)
    {
        var caseId = Guid.CreateVersion7();
        var opened = new CaseOpened(
            caseId,
            Normalise(command.Reference!),
            command.Title!.Trim(),
            command.LeadAgency!.Trim(),
            command.Jurisdiction!.Trim(),
            [.. (command.PartnerAgencies ?? []).Select(x => x!.Trim()).Distinct()],
            command.OpenedAt!.Value);

        return (CommandAccepted.For(caseId, 1, opened), MartenOps.StartStream<Case>(caseId, opened));
    }

    /// <summary>References compare case-insensitively: "xt-2017-001" names XT-2017-001.</summary>
    public static string Normalise(string reference) => reference.Trim().ToUpperInvariant();
}
