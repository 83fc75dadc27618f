using System.Text.Json.Serialization;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Storage;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Exhibits;

/// <summary>
/// One exhibit as officers, analysts and auditors read it: what it is, who holds it, every
/// hand-over with who recorded it, every laboratory result, every discrepancy found and its
/// disposal. Who may read it is its case's business: an exhibit of a restricted case is seen only
/// by those who may see the case.
/// </summary>
public class ExhibitDetails
{
    [Identity]
    public Guid ExhibitId { get; set; }
    public Guid CaseId { get; set; }
    public Guid SeizureId { get; set; }
    public string ExhibitNumber { get; set; } = "";
    public string SealNumber { get; set; } = "";
    public string Description { get; set; } = "";

    /// <summary>As weighed with its packaging when it was logged.</summary>
    public decimal GrossGrams { get; set; }
    public DateTimeOffset LoggedAt { get; set; }
    public string LoggedBy { get; set; } = "";
    public string Custodian { get; set; } = "";
    public string Location { get; set; } = "";
    public string Status { get; set; } = ExhibitStatus.InCustody;
    public List<ExhibitCustody> Custody { get; set; } = [];
    public List<ExhibitLabResult> LabResults { get; set; } = [];
    public List<ExhibitDiscrepancy> Discrepancies { get; set; } = [];

    /// <summary>
    /// The latest laboratory result (by the time it was reported): the substance, keyed as seizure
    /// totals are, and the net grams the exhibit counts for in its seizure's and the dashboard's
    /// confirmed totals. Null until a laboratory reports.
    /// </summary>
    public ConfirmedAmount? Confirmed { get; set; }
    public ExhibitDisposal? Disposal { get; set; }
    public long Version { get; set; }

    // The dashboard groups every visible exhibit by these on each read: as columns of their own,
    // carried by the status index (Storage/StoreConfiguration.cs), PostgreSQL reads them without
    // parsing a single document.
    [JsonIgnore, Column("integer")] public int DiscrepancyCount => Discrepancies.Count;
    [JsonIgnore, Column("varchar")] public string? ConfirmedSubstance => Confirmed?.Substance;
    [JsonIgnore, Column("numeric")] public decimal? ConfirmedGrams => Confirmed?.NetGrams;

    /// <summary>
    /// One event folded in, by the inline projection and by time travel alike, so the stored
    /// exhibit and the exhibit folded up to its version are the same.
    /// </summary>
    public static ExhibitDetails? Fold(ExhibitDetails? snapshot, Guid id, IEvent e)
    {
        if (e.Data is not IExhibitEvent) return snapshot;

        var details = snapshot ?? new ExhibitDetails { ExhibitId = id };
        var recordedBy = e.UserName ?? Actor.SystemUser;
        switch (e.Data)
        {
            case ExhibitLogged x:
                details.CaseId = x.CaseId;
                details.SeizureId = x.SeizureId;
                details.ExhibitNumber = x.ExhibitNumber;
                details.SealNumber = x.SealNumber;
                details.Description = x.Description;
                details.GrossGrams = x.GrossGrams;
                details.LoggedAt = x.LoggedAt;
                details.LoggedBy = recordedBy;
                details.Custodian = x.Custodian;
                details.Location = x.Location;
                break;
            case CustodyTransferred x:
                details.Custody.Add(new ExhibitCustody(
                    x.From, x.To, x.Purpose, x.TransferredAt, x.SealIntact, x.ObservedGrossGrams, x.Location, recordedBy));
                details.Discrepancies.AddRange(x.Discrepancies.Select(d => new ExhibitDiscrepancy(d.Kind, x.TransferredAt, d.Detail)));
                details.Custodian = x.To;
                details.Location = x.Location ?? details.Location;
                details.Status = ExhibitStatus.After(x.Purpose);
                break;
            case LabAnalysisReported x:
                details.LabResults.Add(new ExhibitLabResult(
                    x.Laboratory, x.LabNumber, x.ReportedAt, x.Substance, x.NetGrams, x.NetGramsUncertainty, x.PurityPercent,
                    x.PurityUncertainty, x.Methods, recordedBy));
                // Stable: of two results reported at the same time, the one recorded later stands.
                var latest = details.LabResults.OrderBy(r => r.ReportedAt).Last();
                details.Confirmed = new ConfirmedAmount(Units.SubstanceKey(latest.Substance), latest.NetGrams);
                break;
            case ExhibitDisposed x:
                details.Disposal = new ExhibitDisposal(x.DisposedAt, x.Method, x.Authority, x.Witnesses, recordedBy);
                details.Status = ExhibitStatus.Disposed;
                break;
            default:
                throw new System.Diagnostics.UnreachableException($"{e.Data.GetType().Name} is an exhibit event the exhibit read model does not show.");
        }

        details.Version = e.Version;
        return details;
    }

    /// <summary>Grams by confirmed substance over some exhibits: a seizure's, a case's.</summary>
    public static IReadOnlyDictionary<string, decimal> ConfirmedTotals(IEnumerable<ExhibitDetails> exhibits) => exhibits
        .Where(x => x.Confirmed is not null)
        .GroupBy(x => x.Confirmed!.Substance)
        .ToDictionary(g => g.Key, g => g.Sum(x => x.Confirmed!.NetGrams));
}

/// <param name="From">the custodian who handed the exhibit over</param>
/// <param name="RecordedBy">the user who recorded the hand-over</param>
public record ExhibitCustody(
    string From, string To, string Purpose, DateTimeOffset TransferredAt, bool SealIntact, decimal? ObservedGrossGrams, string? Location, string RecordedBy);

public record ExhibitLabResult(
    string Laboratory,
    string LabNumber,
    DateTimeOffset ReportedAt,
    string Substance,
    decimal NetGrams,
    decimal? NetGramsUncertainty,
    decimal? PurityPercent,
    decimal? PurityUncertainty,
    IReadOnlyList<string> Methods,
    string RecordedBy);

/// <param name="Kind"><c>seal</c> or <c>weight</c></param>
/// <param name="At">the hand-over that showed it</param>
public record ExhibitDiscrepancy(string Kind, DateTimeOffset At, string Detail);

public record ConfirmedAmount(string Substance, decimal NetGrams);

public record ExhibitDisposal(DateTimeOffset DisposedAt, string Method, string Authority, IReadOnlyList<string> Witnesses, string RecordedBy);

/// <summary>
/// Inline: an officer reads the hand-over they just recorded, and the case's seizures read their
/// exhibits in the same query as the case. Limited to exhibit events, so that a case's commands
/// never look for an exhibit document.
/// </summary>
public partial class ExhibitDetailsProjection : SingleStreamProjection<ExhibitDetails, Guid>
{
    public ExhibitDetailsProjection()
    {
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
        IncludeType<IExhibitEvent>();
    }

    public override ExhibitDetails? Evolve(ExhibitDetails? snapshot, Guid id, IEvent e) => ExhibitDetails.Fold(snapshot, id, e);
}

public static class GetExhibitEndpoint
{
    /// <summary>Reads an exhibit as it stands, or (auditors) as it stood.</summary>
    /// <remarks>
    /// The current exhibit, or with exactly one of <paramref name="version"/> (of the exhibit's own
    /// stream), <paramref name="knownAt"/> (recording time) or <paramref name="asOf"/> (business
    /// time) the exhibit folded from its events up to that bound. An exhibit of a case the reader
    /// may not see answers as one that does not exist.
    /// </remarks>
    [WolverineGet("/api/exhibits/{exhibitId:guid}")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<ExhibitDetails>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(
        Guid exhibitId, long? version, DateTimeOffset? knownAt, DateTimeOffset? asOf,
        IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var travel = new TimeTravel(version, knownAt, asOf);
        if (travel.Refusal(http.User) is { } refusal) return Results.Problem(refusal);

        var exhibit = travel.IsPresent ? await Fold(session, exhibitId, travel, ct) : await session.LoadAsync<ExhibitDetails>(exhibitId, ct);
        if (exhibit is null || !await VisibleAsync(session, exhibit.CaseId, http, ct)) return Results.Problem(Problems.NoExhibit(exhibitId));

        http.Response.Headers.ETag = ExpectedVersion.ETag(exhibit.Version);
        return Results.Json(exhibit);
    }

    /// <summary>The exhibit folded from its events within a time-travel bound; null if it did not exist then.</summary>
    public static async Task<ExhibitDetails?> Fold(IQuerySession session, Guid exhibitId, TimeTravel travel, CancellationToken ct) =>
        (await travel.EventsAsync(session, exhibitId, ct)).Aggregate((ExhibitDetails?)null, (details, e) => ExhibitDetails.Fold(details, exhibitId, e));

    /// <summary>Need-to-know: an exhibit is visible to whoever may see its case now.</summary>
    internal static async Task<bool> VisibleAsync(IQuerySession session, Guid caseId, HttpContext http, CancellationToken ct) =>
        await session.LoadAsync<CaseHeader>(caseId, ct) is { } header && CaseAccess.MaySee(http.User, header.Restricted, header.Agencies);
}

public static class ListCaseExhibitsEndpoint
{
    /// <summary>Lists the exhibits of a case, in the order they were logged.</summary>
    [WolverineGet("/api/cases/{caseId:guid}/exhibits")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<ExhibitDetails[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid caseId, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        if (!await GetExhibitEndpoint.VisibleAsync(session, caseId, http, ct)) return Results.Problem(Problems.NoCase(caseId));

        var exhibits = await session.Query<ExhibitDetails>().Where(x => x.CaseId == caseId).ToListAsync(ct);
        var ordered = InLoggingOrder(exhibits);
        ReadAudit.Shown(http, ordered.Select(x => x.ExhibitId));
        return Results.Json(ordered);
    }

    /// <summary>By the time they were logged, then by number: how a case's exhibits are listed everywhere.</summary>
    public static IReadOnlyList<ExhibitDetails> InLoggingOrder(IEnumerable<ExhibitDetails> exhibits) =>
        [.. exhibits.OrderBy(x => x.LoggedAt).ThenBy(x => x.ExhibitNumber, StringComparer.Ordinal)];
}

public static class FindExhibitBySealEndpoint
{
    /// <summary>Finds the exhibit that carries a seal number.</summary>
    /// <remarks>
    /// Seal numbers are unique across all exhibits and compare case-insensitively. A seal on an
    /// exhibit of a case the reader may not see answers as a seal nobody uses.
    /// </remarks>
    [WolverineGet("/api/exhibits")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<ExhibitDetails>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(string? seal, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var problems = new Validation().Text("seal", seal, LogExhibitEndpoint.MaxNumber).Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        var number = LogExhibitEndpoint.SealNumber(seal!);
        var exhibit = await session.Query<ExhibitDetails>().FirstOrDefaultAsync(x => x.SealNumber == number, ct);
        if (exhibit is null || !await GetExhibitEndpoint.VisibleAsync(session, exhibit.CaseId, http, ct))
        {
            return Results.Problem(Problems.NotFound($"No exhibit carries seal {number}."));
        }

        ReadAudit.Shown(http, [exhibit.ExhibitId]);
        http.Response.Headers.ETag = ExpectedVersion.ETag(exhibit.Version);
        return Results.Json(exhibit);
    }
}
