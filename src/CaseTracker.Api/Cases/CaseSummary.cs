using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Marten.Pagination;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>One line of the case list, read from the <see cref="CaseHeader"/> documents.</summary>
public record CaseSummary(
    Guid CaseId, string Reference, string Title, string Status, string LeadAgency, string Jurisdiction,
    DateTimeOffset OpenedAt, DateTimeOffset? ClosedAt, DateTimeOffset LastOccurredAt, long Version);

public record CasePage(int Page, int PageSize, long Total, IReadOnlyList<CaseSummary> Items);

public static class ListCasesEndpoint
{
    public const int MaxPageSize = Paging.MaxSize;

    /// <summary>Lists the cases this reader may see, newest first, by status or reference.</summary>
    [WolverineGet("/api/cases")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<CasePage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(string? status, string? reference, int? page, int? pageSize, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var problems = new Validation()
            .OneOf("status", status, [CaseStatus.Open, CaseStatus.Closed], required: false)
            .Text("reference", reference, 64, required: false)
            .Page(page, pageSize)
            .Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        var paging = Paging.Of(page, pageSize);

        IQueryable<CaseHeader> query = session.Query<CaseHeader>().VisibleTo(http.User);
        if (status is not null) query = query.Where(x => x.Status == status);
        if (reference is not null)
        {
            var normalised = OpenCaseEndpoint.Normalise(reference);
            query = query.Where(x => x.Reference == normalised);
        }

        var found = await query
            .OrderByDescending(x => x.OpenedInstant).ThenBy(x => x.Reference)
            .Select(x => new CaseSummary(x.CaseId, x.Reference, x.Title, x.Status, x.LeadAgency, x.Jurisdiction,
                x.OpenedAt, x.ClosedAt, x.LastOccurredAt, x.Version))
            .ToPagedListAsync(paging.Page, paging.Size, ct);

        Audit.ReadAudit.Shown(http, found.Select(x => x.CaseId));
        return Results.Json(new CasePage(paging.Page, paging.Size, found.TotalItemCount, [.. found]));
    }
}
