using System.Text.Json.Serialization;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Marten.Events.Projections;

namespace CaseTracker.Api.Cases;

/// <summary>
/// Every fact recorded on a case carries the business time at which it happened. Members of these
/// interfaces are implemented explicitly so that they never reach the stored JSON.
/// </summary>
public interface ICaseEvent : IFact
{
    new DateTimeOffset OccurredAt { get; }

    DateTimeOffset IFact.OccurredAt => OccurredAt;
}

/// <summary>
/// A fact that creates an entry other facts and retractions can refer to by id. What the entry is
/// (its id, kind, the entry it depends on, the person it concerns) is declared once, in
/// <see cref="Entry"/>; every rule about entries (the command's answer, the write model's entry rows,
/// the case read model, retraction) reads it from there.
/// </summary>
public interface ICaseEntryEvent : ICaseEvent
{
    EntryFacts Entry { get; }
}

/// <param name="ParentId">the entry this one depends on (the defendant of an arrest, the sentence of a commutation)</param>
/// <param name="DefendantId">the person the entry is about, if any</param>
/// <param name="Detail">what later rules compare against: a sentence's kind as handed down, the kind a commutation made it</param>
public readonly record struct EntryFacts(Guid Id, EntryKind Kind, Guid? ParentId = null, Guid? DefendantId = null, string? Detail = null);

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

    public IReadOnlyList<string> Agencies() => AgenciesOf(LeadAgency, PartnerAgencies);

    /// <summary>Who may see the case while it is restricted: the lead, then each partner once.</summary>
    public static IReadOnlyList<string> AgenciesOf(string lead, IEnumerable<string> partners) =>
        [lead, .. partners.Where(x => x != lead).Distinct()];
}

/// <param name="SubjectAlias">personal: encrypted under the key of the alias itself, as a tip names no person (docs/privacy.md)</param>
public record TipReceived(
    Guid TipId,
    string FromAgency,
    DateTimeOffset ReceivedAt,
    string Summary,
    Personal? SubjectAlias,
    string? Channel) : ICaseEntryEvent, IHoldsPersonalData
{
    DateTimeOffset ICaseEvent.OccurredAt => ReceivedAt;
    EntryFacts ICaseEntryEvent.Entry => new(TipId, EntryKind.Tip);
    IEnumerable<PersonalField> IHoldsPersonalData.PersonalFields => SubjectAlias is null ? [] : [new(SubjectAlias, Person: null)];
}

/// <summary>Name, aliases and nationality are personal: encrypted under the person's own key (docs/privacy.md).</summary>
public record DefendantIdentified(
    Guid DefendantId,
    Personal Name,
    IReadOnlyList<Personal> Aliases,
    Personal? Nationality,
    string? Role,
    DateTimeOffset IdentifiedAt) : ICaseEntryEvent, IHoldsPersonalData
{
    DateTimeOffset ICaseEvent.OccurredAt => IdentifiedAt;
    EntryFacts ICaseEntryEvent.Entry => new(DefendantId, EntryKind.Defendant, DefendantId: DefendantId);

    IEnumerable<PersonalField> IHoldsPersonalData.PersonalFields =>
        [new(Name, DefendantId), .. Aliases.Select(x => new PersonalField(x, DefendantId)), .. Nationality is null ? [] : new[] { new PersonalField(Nationality, DefendantId) }];

    /// <summary>The person's fields as this identification gives them (revealed first, when read from the store).</summary>
    public PersonFields Fields() => PersonFields.Of(Name, Aliases, Nationality);
}

public record ArrestMade(
    Guid ArrestId,
    Guid DefendantId,
    DateTimeOffset ArrestedAt,
    string Place,
    string Agency) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => ArrestedAt;
    EntryFacts ICaseEntryEvent.Entry => new(ArrestId, EntryKind.Arrest, ParentId: DefendantId, DefendantId: DefendantId);
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
    EntryFacts ICaseEntryEvent.Entry => new(SeizureId, EntryKind.Seizure);
}

public record ChargeFiled(
    Guid ChargeId,
    Guid DefendantId,
    string Offence,
    DateTimeOffset FiledAt,
    string? Statute) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => FiledAt;
    EntryFacts ICaseEntryEvent.Entry => new(ChargeId, EntryKind.Charge, ParentId: DefendantId, DefendantId: DefendantId);
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
    EntryFacts ICaseEntryEvent.Entry => new(VerdictId, EntryKind.Verdict, ParentId: ChargeId, DefendantId: DefendantId);
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
    EntryFacts ICaseEntryEvent.Entry => new(SentenceId, EntryKind.Sentence, ParentId: DefendantId, DefendantId: DefendantId, Detail: Kind);
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
    EntryFacts ICaseEntryEvent.Entry => new(CommutationId, EntryKind.Commutation, ParentId: SentenceId, DefendantId: DefendantId, Detail: ToKind);
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
    EntryFacts ICaseEntryEvent.Entry => new(ReferralId, EntryKind.Referral);
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
    EntryFacts ICaseEntryEvent.Entry => new(OutcomeId, EntryKind.Outcome, ParentId: ReferralId);
}

public record CaseLinked(
    Guid LinkId,
    Guid LinkedCaseId,
    string Relation,
    string Note,
    DateTimeOffset LinkedAt) : ICaseEntryEvent
{
    DateTimeOffset ICaseEvent.OccurredAt => LinkedAt;
    EntryFacts ICaseEntryEvent.Entry => new(LinkId, EntryKind.Link);
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

public record CaseClosed(DateTimeOffset ClosedAt, string Disposition) : ICaseEvent, IFinalFact
{
    DateTimeOffset ICaseEvent.OccurredAt => ClosedAt;
}

/// <summary>
/// The write model: only what the deciders need to accept or refuse a command. The case as
/// people read it is <see cref="CaseDetails"/>. It stays small whatever the case's length, because
/// every command loads and rewrites it: the people identified and the links are here (most commands
/// ask about them); every other entry is a <see cref="CaseEntry"/> row, loaded by the few commands
/// that name one.
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

    /// <summary>The people identified in the case and not retracted.</summary>
    public HashSet<Guid> Defendants { get; set; } = [];

    /// <summary>The standing links, by link id: the linked case and the relation.</summary>
    public Dictionary<Guid, string> Links { get; set; } = [];

    /// <summary>
    /// One event folded in. Every case event moves the version, whether or not it changes anything
    /// else; Marten's own bookkeeping events (the tombstones it writes for appends that failed) are
    /// no part of any case and make none.
    /// </summary>
    public static Case? Fold(Case? current, Guid id, IEvent e)
    {
        if (e.Data is not ICaseEvent) return current;

        var next = current ?? new Case { Id = id };
        switch (e.Data)
        {
            case CaseOpened x:
                next.Id = x.CaseId;
                next.Reference = x.Reference;
                next.Agencies = [.. x.Agencies()];
                break;
            case DefendantIdentified x:
                next.Defendants.Add(x.DefendantId);
                break;
            case CaseLinked x:
                next.Links[x.LinkId] = LinkKey(x.LinkedCaseId, x.Relation);
                break;
            case EntryRetracted { Kind: EntryKind.Defendant } x:
                next.Defendants.Remove(x.EntryId);
                break;
            case EntryRetracted { Kind: EntryKind.Link } x:
                next.Links.Remove(x.EntryId);
                break;
            case CaseClosed:
                next.IsClosed = true;
                break;
            case CaseRestricted:
                next.IsRestricted = true;
                break;
            case CaseRestrictionLifted:
                next.IsRestricted = false;
                break;
        }

        next.Version = e.Version;
        return next;
    }

    public static string LinkKey(Guid linkedCaseId, string relation) => $"{linkedCaseId}/{relation}";
}

/// <summary>
/// Inline, so deciders never read a stale case. An <c>Evolve</c> rather than <c>Apply</c> methods:
/// Marten hands an aggregation only the event types it has methods for, and the write model must
/// see every event to keep its version (If-Match and the version a command answers). Limited to
/// case events, so that an exhibit's commands never look for a case document under the exhibit's id.
/// </summary>
public partial class CaseProjection : SingleStreamProjection<Case, Guid>
{
    public CaseProjection()
    {
        IncludeType<ICaseEvent>();
    }

    public override Case? Evolve(Case? snapshot, Guid id, IEvent e) => Case.Fold(snapshot, id, e);
}

/// <summary>
/// What the deciders know about one entry of a case, retracted ones included: one row per entry,
/// written by <see cref="CaseEntriesProjection"/> in the command's own transaction and read by a
/// command after it holds the case's stream lock, so it is never stale.
/// </summary>
/// <remarks>
/// <see cref="ParentId"/> is the entry this one depends on (that one cannot be retracted while this
/// one stands); <see cref="Detail"/> is what later rules compare against: a sentence's kind as
/// handed down, the kind a commutation made it.
/// </remarks>
public class CaseEntry
{
    public string Id { get; set; } = "";
    public Guid CaseId { get; set; }
    public Guid EntryId { get; set; }
    public EntryKind Kind { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ParentId { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? DefendantId { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Detail { get; set; }

    /// <summary>The stream version of the event that recorded the entry.</summary>
    public long Version { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Retracted { get; set; }

    /// <summary>Case and entry: a defendant's entry id is the person's, who may stand in several cases.</summary>
    public static string IdFor(Guid caseId, Guid entryId) => $"{caseId:N}:{entryId:N}";
}

/// <summary>
/// Inline: each entry event stores its row; a retraction stores the row again, marked retracted.
/// Only stores, never a read or a partial update, so a rebuild in pages gives the same rows.
/// </summary>
public partial class CaseEntriesProjection : EventProjection
{
    public CaseEntriesProjection()
    {
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (Row(e.StreamId, e) is { } row) operations.Store(row);
        return ValueTask.CompletedTask;
    }

    /// <summary>The row an event stores, if it records or withdraws an entry.</summary>
    public static CaseEntry? Row(Guid caseId, IEvent e) => e.Data switch
    {
        ICaseEntryEvent { Entry: var x } => new CaseEntry
        {
            Id = CaseEntry.IdFor(caseId, x.Id), CaseId = caseId, EntryId = x.Id, Kind = x.Kind,
            ParentId = x.ParentId, DefendantId = x.DefendantId, Version = e.Version, Detail = x.Detail,
        },
        // A retracted entry has no dependents and answers no rule but "already retracted".
        EntryRetracted x => new CaseEntry
        {
            Id = CaseEntry.IdFor(caseId, x.EntryId), CaseId = caseId, EntryId = x.EntryId, Kind = x.Kind,
            DefendantId = x.DefendantId, Version = x.EntryVersion, Retracted = true,
        },
        _ => null,
    };
}

/// <summary>
/// The entries a command is about, with the entries that depend on them: loaded after the case's
/// stream lock is held, and handed to the pure deciders.
/// </summary>
public sealed class CaseEntries(IReadOnlyList<CaseEntry> rows)
{
    /// <summary>The entry with that id, retracted or not, if the case has it.</summary>
    public CaseEntry? Find(Guid id) => rows.FirstOrDefault(x => x.EntryId == id);

    /// <summary>The live (not retracted) entry of that kind with that id, if any.</summary>
    public CaseEntry? Live(Guid id, EntryKind kind) => Find(id) is { Retracted: false } entry && entry.Kind == kind ? entry : null;

    /// <summary>The live entries that depend on <paramref name="id"/>, oldest first.</summary>
    public IEnumerable<CaseEntry> LiveChildren(Guid id) => rows.Where(x => x.ParentId == id && !x.Retracted).OrderBy(x => x.Version);

    /// <summary>A sentence's current kind: that of its latest standing commutation, else as handed down.</summary>
    public string? CurrentKind(Guid sentenceId) =>
        LiveChildren(sentenceId).LastOrDefault(x => x.Kind == EntryKind.Commutation)?.Detail ?? Live(sentenceId, EntryKind.Sentence)?.Detail;

    /// <summary>
    /// Whether withdrawing <paramref name="id"/> would leave entries dangling: those that depend on
    /// it and, for a commutation, any later commutation of the same sentence.
    /// </summary>
    public bool HasLiveDependents(Guid id)
    {
        var entry = Find(id)!;
        return LiveChildren(id).Any() || (entry.Kind == EntryKind.Commutation
            && LiveChildren(entry.ParentId!.Value).Any(x => x.Kind == EntryKind.Commutation && x.Version > entry.Version));
    }

    /// <summary>
    /// The entry named and the entries depending on it; for a commutation also the other
    /// commutations of its sentence.
    /// </summary>
    public static async Task<CaseEntries> LoadAsync(IQuerySession session, Guid caseId, Guid entryId, CancellationToken ct)
    {
        var key = CaseEntry.IdFor(caseId, entryId);
        var rows = (await session.Query<CaseEntry>()
            .Where(x => x.CaseId == caseId && (x.Id == key || x.ParentId == entryId))
            .ToListAsync(ct)).ToList();
        if (rows.FirstOrDefault(x => x.EntryId == entryId) is { Kind: EntryKind.Commutation, ParentId: { } sentenceId })
        {
            rows.AddRange(await session.Query<CaseEntry>().Where(x => x.CaseId == caseId && x.ParentId == sentenceId).ToListAsync(ct));
        }

        return new CaseEntries([.. rows.DistinctBy(x => x.Id)]);
    }
}

/// <summary>
/// One line per kind of fact, naming no person, so it stays true when a person is sealed or
/// expunged: what followers are told (the notification feed). It sits beside the events so that a
/// new kind of fact is given its line where it is declared.
/// </summary>
public static class Summaries
{
    public static string Of(object fact) => fact switch
    {
        CaseOpened x => $"Case {x.Reference} opened: {x.Title}",
        TipReceived x => $"Tip received from {x.FromAgency}",
        DefendantIdentified x => x.Role is { Length: > 0 } role ? $"Defendant identified ({role})" : "Defendant identified",
        ArrestMade x => $"Arrest made at {x.Place} by {x.Agency}",
        DrugsSeized x => $"{x.Quantity} {x.Unit} of {x.Substance} seized at {x.Place}",
        ChargeFiled x => $"Charge filed: {x.Offence}",
        VerdictReached x => $"Verdict reached: {x.Verdict} ({x.Court})",
        SentenceHanded x => $"Sentence handed: {x.Kind} ({x.Court})",
        SentenceCommuted x => $"Sentence commuted from {x.FromKind} to {x.ToKind}",
        LeadReferred x => $"Lead referred to {x.ToAgency} ({x.Jurisdiction})",
        ReferralOutcomeReported x => $"Referral outcome: {x.InvestigationsOpened} investigations opened, {x.Arrests} arrests, {x.Indictments} indictments",
        CaseLinked x => $"Case linked to another case ({x.Relation})",
        EntryRetracted x => $"{x.Kind} retracted: {x.Reason}",
        CaseRestricted => "Case restricted to its agencies",
        CaseRestrictionLifted => "Case restriction lifted",
        CaseClosed x => $"Case closed: {x.Disposition}",
        // A new kind of fact must say what its followers are told (a test walks every kind).
        _ => throw new System.Diagnostics.UnreachableException($"{fact.GetType().Name} has no notification summary."),
    };
}
