namespace CaseTracker.Api.Cases;

/// <summary>
/// Every fact recorded on a case carries the business time at which it happened. Members of these
/// interfaces are implemented explicitly so that they never reach the stored JSON.
/// </summary>
public interface ICaseEvent
{
    DateTimeOffset OccurredAt { get; }
}

/// <summary>A fact that creates an entry other facts and retractions can refer to by id.</summary>
public interface ICaseEntryEvent : ICaseEvent
{
    Guid EntryId { get; }

    EntryKind Kind { get; }

    /// <summary>The entry this one depends on (the defendant of an arrest, the sentence of a commutation).</summary>
    Guid? ParentId { get; }
}

public enum EntryKind
{
    Tip,
    Defendant,
    Arrest,
    Seizure,
    Charge,
    Verdict,
    Sentence,
    Commutation,
    Referral,
    Outcome,
    Link
}

public record CaseOpened(
    Guid CaseId,
    string Reference,
    string Title,
    string LeadAgency,
    string Jurisdiction,
    IReadOnlyList<string> PartnerAgencies,
    DateTimeOffset OpenedAt) : ICaseEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => OpenedAt;
}

public record TipReceived(
    Guid TipId,
    string FromAgency,
    DateTimeOffset ReceivedAt,
    string Summary,
    string? SubjectAlias,
    string? Channel) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ReceivedAt;
    Guid ICaseEntryEvent.EntryId => TipId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Tip;
    Guid? ICaseEntryEvent.ParentId => null;
}

public record DefendantIdentified(
    Guid DefendantId,
    string Name,
    IReadOnlyList<string> Aliases,
    string? Nationality,
    string? Role,
    DateTimeOffset IdentifiedAt) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => IdentifiedAt;
    Guid ICaseEntryEvent.EntryId => DefendantId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Defendant;
    Guid? ICaseEntryEvent.ParentId => null;
}

public record ArrestMade(
    Guid ArrestId,
    Guid DefendantId,
    DateTimeOffset ArrestedAt,
    string Place,
    string Agency) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ArrestedAt;
    Guid ICaseEntryEvent.EntryId => ArrestId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Arrest;
    Guid? ICaseEntryEvent.ParentId => DefendantId;
}

public record DrugsSeized(
    Guid SeizureId,
    string Substance,
    decimal Quantity,
    string Unit,
    DateTimeOffset SeizedAt,
    string Place,
    string? EvidenceRef) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => SeizedAt;
    Guid ICaseEntryEvent.EntryId => SeizureId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Seizure;
    Guid? ICaseEntryEvent.ParentId => null;
}

public record ChargeFiled(
    Guid ChargeId,
    Guid DefendantId,
    string Offence,
    DateTimeOffset FiledAt,
    string? Statute) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => FiledAt;
    Guid ICaseEntryEvent.EntryId => ChargeId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Charge;
    Guid? ICaseEntryEvent.ParentId => DefendantId;
}

public record VerdictReached(
    Guid VerdictId,
    Guid DefendantId,
    Guid ChargeId,
    string Verdict,
    DateTimeOffset ReachedAt,
    string Court) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ReachedAt;
    Guid ICaseEntryEvent.EntryId => VerdictId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Verdict;
    Guid? ICaseEntryEvent.ParentId => ChargeId;
}

public record SentenceHanded(
    Guid SentenceId,
    Guid DefendantId,
    string Kind,
    DateTimeOffset HandedAt,
    string Court,
    int? TermMonths,
    int? ReprieveYears) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => HandedAt;
    Guid ICaseEntryEvent.EntryId => SentenceId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Sentence;
    Guid? ICaseEntryEvent.ParentId => DefendantId;
}

public record SentenceCommuted(
    Guid CommutationId,
    Guid SentenceId,
    string ToKind,
    DateTimeOffset CommutedAt,
    string Reason,
    int? TermMonths,
    int? ReprieveYears) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => CommutedAt;
    Guid ICaseEntryEvent.EntryId => CommutationId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Commutation;
    Guid? ICaseEntryEvent.ParentId => SentenceId;
}

public record LeadReferred(
    Guid ReferralId,
    string ToAgency,
    string Jurisdiction,
    int SubjectsIdentified,
    DateTimeOffset ReferredAt,
    string Summary) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ReferredAt;
    Guid ICaseEntryEvent.EntryId => ReferralId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Referral;
    Guid? ICaseEntryEvent.ParentId => null;
}

public record ReferralOutcomeReported(
    Guid OutcomeId,
    Guid ReferralId,
    DateTimeOffset ReportedAt,
    int InvestigationsOpened,
    int Arrests,
    int Indictments,
    IReadOnlyList<string> Jurisdictions) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ReportedAt;
    Guid ICaseEntryEvent.EntryId => OutcomeId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Outcome;
    Guid? ICaseEntryEvent.ParentId => ReferralId;
}

public record CaseLinked(
    Guid LinkId,
    Guid LinkedCaseId,
    string Relation,
    string Note,
    DateTimeOffset LinkedAt) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => LinkedAt;
    Guid ICaseEntryEvent.EntryId => LinkId;
    EntryKind ICaseEntryEvent.Kind => EntryKind.Link;
    Guid? ICaseEntryEvent.ParentId => null;
}

public record EntryRetracted(
    Guid RetractionId,
    Guid EntryId,
    string Reason,
    DateTimeOffset RetractedAt) : ICaseEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => RetractedAt;
}

public record CaseClosed(DateTimeOffset ClosedAt, string Disposition) : ICaseEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ClosedAt;
}

/// <summary>
/// The write model: only what the deciders need to accept or refuse a command. The case as
/// people read it is <see cref="CaseDetails"/>.
/// </summary>
public class Case
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public string Reference { get; set; } = "";
    public bool IsClosed { get; set; }

    /// <summary>Every entry ever recorded on the case, retracted ones included, by entry id.</summary>
    public Dictionary<Guid, CaseEntry> Entries { get; set; } = [];

    public static Case Create(CaseOpened e) => new() { Id = e.CaseId, Reference = e.Reference };

    public void Apply(TipReceived e) => Record(e);
    public void Apply(DefendantIdentified e) => Record(e);
    public void Apply(ArrestMade e) => Record(e);
    public void Apply(DrugsSeized e) => Record(e);
    public void Apply(ChargeFiled e) => Record(e);
    public void Apply(VerdictReached e) => Record(e);
    public void Apply(SentenceHanded e) => Record(e, e.Kind);
    public void Apply(SentenceCommuted e)
    {
        Record(e);
        if (Entries.TryGetValue(e.SentenceId, out var sentence))
        {
            Entries[e.SentenceId] = sentence with { Detail = e.ToKind };
        }
    }

    public void Apply(LeadReferred e) => Record(e);
    public void Apply(ReferralOutcomeReported e) => Record(e);
    public void Apply(CaseLinked e) => Record(e, $"{e.LinkedCaseId}/{e.Relation}");

    public void Apply(EntryRetracted e)
    {
        if (Entries.TryGetValue(e.EntryId, out var entry))
        {
            Entries[e.EntryId] = entry with { Retracted = true };
        }
    }

    public void Apply(CaseClosed _) => IsClosed = true;

    private void Record(ICaseEntryEvent e, string? detail = null) =>
        Entries[e.EntryId] = new CaseEntry(e.Kind, e.ParentId, detail);

    /// <summary>The live (not retracted) entry of that kind with that id, if any.</summary>
    public CaseEntry? Live(Guid id, EntryKind kind) =>
        Entries.TryGetValue(id, out var entry) && entry.Kind == kind && !entry.Retracted ? entry : null;

    public bool HasLive(EntryKind kind, Func<CaseEntry, bool> where) =>
        Entries.Values.Any(x => x.Kind == kind && !x.Retracted && where(x));

    public bool HasLiveDependents(Guid id) => Entries.Values.Any(x => x.ParentId == id && !x.Retracted);
}

/// <param name="ParentId">the entry this one depends on; that one cannot be retracted while this one stands</param>
/// <param name="Detail">what later rules compare against: a sentence's current kind, a link's target and relation</param>
public record CaseEntry(EntryKind Kind, Guid? ParentId, string? Detail, bool Retracted = false);
