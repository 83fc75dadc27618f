using System.Text.Json.Serialization;
using JasperFx.Events;

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

    /// <summary>The person the entry is about, if any.</summary>
    Guid? DefendantId { get; }
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
    Guid? ICaseEntryEvent.DefendantId => null;
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
    Guid? ICaseEntryEvent.DefendantId => DefendantId;
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
    Guid? ICaseEntryEvent.DefendantId => DefendantId;
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
    Guid? ICaseEntryEvent.DefendantId => null;
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
    Guid? ICaseEntryEvent.DefendantId => DefendantId;
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
    Guid? ICaseEntryEvent.DefendantId => DefendantId;
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
    Guid? ICaseEntryEvent.DefendantId => DefendantId;
}

/// <param name="FromKind">the sentence's kind before this commutation, so readers need not replay to know it</param>
public record SentenceCommuted(
    Guid CommutationId,
    Guid SentenceId,
    Guid DefendantId,
    string FromKind,
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
    Guid? ICaseEntryEvent.DefendantId => DefendantId;
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
    Guid? ICaseEntryEvent.DefendantId => null;
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
    Guid? ICaseEntryEvent.DefendantId => null;
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
    Guid? ICaseEntryEvent.DefendantId => null;
}

/// <summary>
/// Withdraws an earlier entry. Besides its id, it names what was withdrawn — the kind of entry, the
/// version of the stream that recorded it and the person it concerned — so that projections
/// across cases can undo it without replaying the case.
/// </summary>
public record EntryRetracted(
    Guid RetractionId,
    Guid EntryId,
    EntryKind Kind,
    long EntryVersion,
    Guid? DefendantId,
    string Reason,
    DateTimeOffset RetractedAt) : ICaseEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => RetractedAt;
}

/// <summary>From now on only the case's lead and partner agencies (and auditors) may see or touch it.</summary>
public record CaseRestricted(DateTimeOffset RestrictedAt, string Reason) : ICaseEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => RestrictedAt;
}

public record CaseRestrictionLifted(DateTimeOffset LiftedAt, string Reason) : ICaseEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => LiftedAt;
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
    public bool IsRestricted { get; set; }

    /// <summary>The lead and partner agencies: who may see the case while it is restricted.</summary>
    public List<string> Agencies { get; set; } = [];

    /// <summary>Every entry ever recorded on the case, retracted ones included, by entry id.</summary>
    public Dictionary<Guid, CaseEntry> Entries { get; set; } = [];

    public static Case Create(CaseOpened e) =>
        new() { Id = e.CaseId, Reference = e.Reference, Agencies = [e.LeadAgency, .. e.PartnerAgencies] };

    public void Apply(IEvent<TipReceived> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<DefendantIdentified> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<ArrestMade> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<DrugsSeized> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<ChargeFiled> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<VerdictReached> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<SentenceHanded> e) => Record(e.Data, e.Version, e.Data.Kind);

    public void Apply(IEvent<SentenceCommuted> e)
    {
        Record(e.Data, e.Version, e.Data.FromKind);
        Change(e.Data.SentenceId, sentence => sentence with { Detail = e.Data.ToKind });
    }

    public void Apply(IEvent<LeadReferred> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<ReferralOutcomeReported> e) => Record(e.Data, e.Version);
    public void Apply(IEvent<CaseLinked> e) => Record(e.Data, e.Version, $"{e.Data.LinkedCaseId}/{e.Data.Relation}");

    public void Apply(EntryRetracted e)
    {
        Change(e.EntryId, entry => entry with { Retracted = true });

        // Withdrawing the latest commutation gives the sentence back the kind it had before.
        if (Entries.TryGetValue(e.EntryId, out var entry) && entry.Kind == EntryKind.Commutation)
        {
            Change(entry.ParentId!.Value, sentence => sentence with { Detail = entry.Detail });
        }
    }

    public void Apply(CaseClosed _) => IsClosed = true;
    public void Apply(CaseRestricted _) => IsRestricted = true;
    public void Apply(CaseRestrictionLifted _) => IsRestricted = false;

    private void Record(ICaseEntryEvent e, long version, string? detail = null) =>
        Entries[e.EntryId] = new CaseEntry(e.Kind, e.ParentId, e.DefendantId, detail, version);

    private void Change(Guid id, Func<CaseEntry, CaseEntry> change)
    {
        if (Entries.TryGetValue(id, out var entry)) Entries[id] = change(entry);
    }

    /// <summary>The live (not retracted) entry of that kind with that id, if any.</summary>
    public CaseEntry? Live(Guid id, EntryKind kind) =>
        Entries.TryGetValue(id, out var entry) && entry.Kind == kind && !entry.Retracted ? entry : null;

    public bool HasLive(EntryKind kind, Func<CaseEntry, bool> where) =>
        Entries.Values.Any(x => x.Kind == kind && !x.Retracted && where(x));

    /// <summary>
    /// Entries that would be left dangling if <paramref name="id"/> were withdrawn: those that depend
    /// on it and, for a commutation, any later commutation of the same sentence.
    /// </summary>
    public bool HasLiveDependents(Guid id)
    {
        var entry = Entries[id];
        return Entries.Values.Any(x => !x.Retracted && (x.ParentId == id
            || (entry.Kind == EntryKind.Commutation && x.Kind == EntryKind.Commutation && x.ParentId == entry.ParentId && x.Version > entry.Version)));
    }
}

/// <param name="ParentId">the entry this one depends on; that one cannot be retracted while this one stands</param>
/// <param name="DefendantId">the person the entry is about, if any</param>
/// <param name="Detail">what later rules compare against: a sentence's current kind, the kind a commutation
/// changed its sentence from, a link's target and relation</param>
/// <param name="Version">the stream version of the event that recorded the entry</param>
/// <remarks>
/// Every command loads and saves the whole write model, so defaults are left out of its JSON: most
/// entries are tips and seizures with no parent, person or detail, and the document shrinks by half.
/// </remarks>
public record CaseEntry(
    EntryKind Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] Guid? ParentId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] Guid? DefendantId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] string? Detail,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Retracted = false);
