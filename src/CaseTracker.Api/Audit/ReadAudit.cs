using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Marten.Linq.MatchesSql;
using Marten.Pagination;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Audit;

/// <summary>One read of CaseTracker's data: who, in which role and agency, read what, and when (CJIS 5.4).</summary>
public class ReadRecord
{
    public Guid Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string User { get; set; } = "";
    public string? Role { get; set; }
    public string? Agency { get; set; }
    public string Route { get; set; } = "";
    public string Path { get; set; } = "";

    /// <summary>The query string as the reader meant it (decoded): what they searched for is on record, and an expungement can find it.</summary>
    public string? Query { get; set; }
    public Guid? CaseId { get; set; }
    public Guid? DefendantId { get; set; }
    public Guid? ExhibitId { get; set; }

    /// <summary>The cases, defendants or exhibits a list or search showed, so that being seen in a result list is on record too.</summary>
    public List<Guid>? Shown { get; set; }

    /// <summary>Sealed people whose personal fields the answer showed (to an auditor or admin).</summary>
    public List<Guid>? Sealed { get; set; }

    public int Status { get; set; }
    public string? CorrelationId { get; set; }
}

/// <summary>
/// Records every authorised read of <c>/api</c> in PostgreSQL before the first byte of the answer
/// leaves, so no reader holds data whose read is not yet on record. Refused reads are already in
/// the request log; what auditors need is who saw what.
/// </summary>
public sealed class ReadAudit(RequestDelegate next, ILogger<ReadAudit> logger)
{
    /// <summary>Called by a list or search endpoint with the ids of what its answer shows (cases, defendants, exhibits).</summary>
    public static void Shown(HttpContext http, IEnumerable<Guid> ids) =>
        http.Features.Set(new ShownIds([.. ids]));

    /// <summary>
    /// Called by a read whose query names someone whose record was expunged: the log keeps the read
    /// and what it showed, with the name replaced by <paramref name="placeholder"/>.
    /// </summary>
    public static void Withhold(HttpContext http, string text, string placeholder) =>
        http.Features.Set(new WithheldText(text, placeholder));

    /// <summary>Called by a read that showed sealed people's personal fields, with those people.</summary>
    public static void Disclosed(HttpContext http, IEnumerable<Guid> people)
    {
        var sealedPeople = people.Distinct().ToList();
        if (sealedPeople.Count > 0) http.Features.Set(new SealedIds([.. (http.Features.Get<SealedIds>()?.Ids ?? []).Union(sealedPeople)]));
    }

    public Task InvokeAsync(HttpContext http, IDocumentStore store, TimeProvider clock)
    {
        if (HttpMethods.IsGet(http.Request.Method) && http.Request.Path.StartsWithSegments("/api"))
        {
            http.Response.OnStarting(() => Record(http, store, clock, logger));
        }

        return next(http);
    }

    /// <summary>
    /// For an answer that keeps sending after it started (a stream of notifications): records
    /// another read, of what the next part shows, before that part is sent.
    /// </summary>
    public static Task RecordMoreAsync(HttpContext http, IEnumerable<Guid> shown)
    {
        Shown(http, shown);
        var services = http.RequestServices;
        return Record(http, services.GetRequiredService<IDocumentStore>(), services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<ReadAudit>>());
    }

    private static async Task Record(HttpContext http, IDocumentStore store, TimeProvider clock, ILogger logger)
    {
        if (http.Response.StatusCode >= 400 || http.User.FindFirst(ActorClaims.User)?.Value is not { } user)
        {
            return;
        }

        var record = new ReadRecord
        {
            Id = Guid.CreateVersion7(),
            At = clock.GetUtcNow(),
            User = user,
            Role = http.User.FindFirst(ActorClaims.Role)?.Value,
            Agency = CaseAccess.AgencyOf(http.User),
            Route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "",
            Path = http.Request.Path,
            Query = RecordedQuery(http),
            CaseId = RouteGuid(http, "caseId"),
            DefendantId = RouteGuid(http, "defendantId"),
            ExhibitId = RouteGuid(http, "exhibitId"),
            Shown = http.Features.Get<ShownIds>()?.Ids,
            Sealed = http.Features.Get<SealedIds>()?.Ids,
            Status = http.Response.StatusCode,
            CorrelationId = CorrelationIds.For(http),
        };

        try
        {
            await using var session = store.LightweightSession();
            session.Insert(record);
            await session.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e) when (WriteConflicts.IsDatabaseUnavailable(e))
        {
            // Withholding the answer would turn an outage of the log into an outage of reads;
            // losing the record must at least be loud.
            logger.LogError(e, "Could not record a read of {Path} by {User}", record.Path, record.User);
        }
    }

    private static string? RecordedQuery(HttpContext http)
    {
        if (http.Request.QueryString.Value is not { Length: > 0 } raw) return null;
        var query = Uri.UnescapeDataString(raw.Replace('+', ' '));
        return http.Features.Get<WithheldText>() is { } withheld
            ? System.Text.RegularExpressions.Regex.Replace(query, System.Text.RegularExpressions.Regex.Escape(withheld.Text), withheld.Placeholder,
                System.Text.RegularExpressions.RegexOptions.IgnoreCase)
            : query;
    }

    private static Guid? RouteGuid(HttpContext http, string name) =>
        Guid.TryParse(http.GetRouteValue(name)?.ToString(), out var id) ? id : null;

    private sealed record ShownIds(List<Guid> Ids);

    private sealed record SealedIds(List<Guid> Ids);

    private sealed record WithheldText(string Text, string Placeholder);
}

public record ReadRecordPage(int Page, int PageSize, long Total, IReadOnlyList<ReadRecord> Items);

public static class ReadRecordsEndpoint
{
    /// <summary>Lists who read what, and when.</summary>
    /// <remarks>
    /// Who read what, newest first, filtered by user, case, defendant or exhibit; each of these
    /// filters also finds the lists and searches that showed it, and a defendant filter every read
    /// that showed that person's personal fields while their record was sealed (<c>sealed</c>).
    /// </remarks>
    [WolverineGet("/api/audit/reads")]
    [Authorize(Policy = Policies.ReadHistory)]
    [ProducesResponseType<ReadRecordPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(
        string? user, Guid? caseId, Guid? defendantId, Guid? exhibitId, int? page, int? pageSize, IQuerySession session, CancellationToken ct)
    {
        var problems = new Validation()
            .Text("user", user, required: false)
            .Page(page, pageSize)
            .Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        IQueryable<ReadRecord> query = session.Query<ReadRecord>();
        if (user is not null) query = query.Where(x => x.User == user);
        if (caseId is { } shownCase) query = query.Where(x => x.CaseId == shownCase || x.MatchesSql(ShownContains, Shown(shownCase)));
        if (defendantId is { } shownDefendant)
        {
            query = query.Where(x => x.DefendantId == shownDefendant || x.MatchesSql(ShownContains, Shown(shownDefendant)) || x.MatchesSql(SealedContains, Shown(shownDefendant)));
        }

        if (exhibitId is { } shownExhibit) query = query.Where(x => x.ExhibitId == shownExhibit || x.MatchesSql(ShownContains, Shown(shownExhibit)));

        var paging = Paging.Of(page, pageSize);
        var found = await query.OrderByDescending(x => x.At).ThenByDescending(x => x.Id).ToPagedListAsync(paging.Page, paging.Size, ct);
        return Results.Json(new ReadRecordPage(paging.Page, paging.Size, found.TotalItemCount, [.. found]));
    }

    /// <summary>
    /// Spelt out because Marten turns <c>Shown.Contains(id)</c> into containment on the whole
    /// document, which only a GIN index of every field of every read could serve; this one is
    /// served by the small index on the shown ids alone.
    /// </summary>
    private const string ShownContains = "d.data -> 'shown' @> ?::jsonb";

    private const string SealedContains = "d.data -> 'sealed' @> ?::jsonb";

    private static string Shown(Guid id) => $"[\"{id}\"]";
}
