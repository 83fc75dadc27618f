using CaseTracker.Api.Audit;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CaseTracker.Api.Exhibits;

/// <summary>
/// A fact about one exhibit, appended to the exhibit's own stream (its id is the stream id). Each
/// names the exhibit's case, so that an answer, a read or a total can place it without replaying
/// the exhibit. Not an <see cref="Cases.ICaseEvent"/>: the case's stream, its read models and its
/// totals never see these.
/// </summary>
public interface IExhibitEvent : IFact
{
    Guid CaseId { get; }
}

/// <summary>An exhibit made from a seizure of its case: sealed, numbered, weighed and handed to its first custodian.</summary>
/// <param name="GrossGrams">as weighed with its packaging; later weighings are compared with it</param>
public record ExhibitLogged(
    Guid ExhibitId,
    Guid CaseId,
    Guid SeizureId,
    string ExhibitNumber,
    string SealNumber,
    string Description,
    decimal GrossGrams,
    DateTimeOffset LoggedAt,
    string Custodian,
    string Location) : IExhibitEvent
{
    DateTimeOffset IFact.OccurredAt => LoggedAt;
}

/// <param name="Discrepancies">
/// what the transfer showed to be wrong (a broken seal, a weight that moved), decided when it was
/// recorded: a transfer is never refused for them
/// </param>
public record CustodyTransferred(
    Guid CaseId,
    string From,
    string To,
    string Purpose,
    DateTimeOffset TransferredAt,
    bool SealIntact,
    decimal? ObservedGrossGrams,
    string? Location,
    IReadOnlyList<Discrepancy> Discrepancies) : IExhibitEvent
{
    DateTimeOffset IFact.OccurredAt => TransferredAt;
}

/// <param name="Kind"><see cref="Discrepancy.Seal"/> or <see cref="Discrepancy.Weight"/></param>
/// <param name="Detail">what was observed, for whoever must explain it</param>
public record Discrepancy(string Kind, string Detail)
{
    public const string Seal = "seal";
    public const string Weight = "weight";
}

/// <param name="Substance">the substance as the laboratory confirmed it</param>
public record LabAnalysisReported(
    Guid CaseId,
    string Laboratory,
    string LabNumber,
    DateTimeOffset ReportedAt,
    string Substance,
    decimal NetGrams,
    decimal? NetGramsUncertainty,
    decimal? PurityPercent,
    decimal? PurityUncertainty,
    IReadOnlyList<string> Methods) : IExhibitEvent
{
    DateTimeOffset IFact.OccurredAt => ReportedAt;
}

/// <param name="Authority">the order the exhibit was disposed of under</param>
public record ExhibitDisposed(
    Guid CaseId,
    DateTimeOffset DisposedAt,
    string Method,
    string Authority,
    IReadOnlyList<string> Witnesses) : IExhibitEvent, IFinalFact
{
    DateTimeOffset IFact.OccurredAt => DisposedAt;
}

/// <summary>Why an exhibit changes hands, and where each purpose leaves it.</summary>
public static class CustodyPurposes
{
    public const string Storage = "storage";
    public const string LabAnalysis = "lab-analysis";
    public const string Court = "court";
    public const string Return = "return";
    public const string Disposal = "disposal";

    public static readonly IReadOnlyList<string> All = [Storage, LabAnalysis, Court, Return, Disposal];
}

public static class ExhibitStatus
{
    public const string InCustody = "in-custody";
    public const string AtLab = "at-lab";
    public const string InCourt = "in-court";
    public const string Disposed = "disposed";

    /// <summary>
    /// Where a transfer leaves the exhibit: at the laboratory, before the court, or otherwise in
    /// someone's custody (a store, an officer, a disposal facility until it is disposed of).
    /// </summary>
    public static string After(string purpose) => purpose switch
    {
        CustodyPurposes.LabAnalysis => AtLab,
        CustodyPurposes.Court => InCourt,
        _ => InCustody,
    };
}

public static class DisposalMethods
{
    public static readonly IReadOnlyList<string> All = ["destroyed", "returned", "retained-by-court"];
}

/// <summary>
/// The write model: what the deciders of exhibit commands need, and what logging checks across
/// exhibits (its seal number, its number in the case). The exhibit as people read it is
/// <see cref="ExhibitDetails"/>.
/// </summary>
public class Exhibit
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public Guid CaseId { get; set; }
    public Guid SeizureId { get; set; }
    public string ExhibitNumber { get; set; } = "";

    /// <summary>Unique across all exhibits, by a unique index in PostgreSQL (<c>Storage/StoreConfiguration.cs</c>).</summary>
    public string SealNumber { get; set; } = "";
    public decimal GrossGrams { get; set; }
    public string Custodian { get; set; } = "";

    /// <summary>When custody last changed (logging, then each transfer): no transfer may go back before it.</summary>
    public DateTimeOffset CustodySince { get; set; }
    public bool IsDisposed { get; set; }

    /// <summary>One event folded in; every exhibit event moves the version.</summary>
    public static Exhibit? Fold(Exhibit? current, Guid id, IEvent e)
    {
        if (e.Data is not IExhibitEvent) return current;

        var next = current ?? new Exhibit { Id = id };
        switch (e.Data)
        {
            case ExhibitLogged x:
                next.CaseId = x.CaseId;
                next.SeizureId = x.SeizureId;
                next.ExhibitNumber = x.ExhibitNumber;
                next.SealNumber = x.SealNumber;
                next.GrossGrams = x.GrossGrams;
                next.Custodian = x.Custodian;
                next.CustodySince = x.LoggedAt;
                break;
            case CustodyTransferred x:
                next.Custodian = x.To;
                next.CustodySince = x.TransferredAt;
                break;
            case ExhibitDisposed:
                next.IsDisposed = true;
                break;
        }

        next.Version = e.Version;
        return next;
    }
}

/// <summary>
/// Inline, so deciders never read a stale exhibit, and so the unique seal number is settled in
/// the transaction that logs the exhibit. Limited to exhibit events, so that a case's commands
/// never look for an exhibit document.
/// </summary>
public partial class ExhibitProjection : SingleStreamProjection<Exhibit, Guid>
{
    public ExhibitProjection()
    {
        IncludeType<IExhibitEvent>();
    }

    public override Exhibit? Evolve(Exhibit? snapshot, Guid id, IEvent e) => Exhibit.Fold(snapshot, id, e);
}
