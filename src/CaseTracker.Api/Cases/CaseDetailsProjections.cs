using System.Diagnostics;
using System.Text.Json.Serialization;
using CaseTracker.Api.Storage;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Marten.Events.Projections;

namespace CaseTracker.Api.Cases;

/// <summary>
/// The stored part of <see cref="CaseDetails"/> that is about the case itself: one small document
/// per case, whatever its length. Lists and need-to-know filters read it.
/// </summary>
public class CaseHeader
{
    [Identity]
    public Guid CaseId { get; set; }
    public long Version { get; set; }
    public string Reference { get; set; } = "";
    public string Title { get; set; } = "";
    public string Status { get; set; } = CaseStatus.Open;

    /// <summary>Need-to-know: only the case's agencies (and auditors) may see it.</summary>
    public bool Restricted { get; set; }
    public string LeadAgency { get; set; } = "";
    public string Jurisdiction { get; set; } = "";
    public List<string> PartnerAgencies { get; set; } = [];
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public string? Disposition { get; set; }
    public DateTimeOffset LastOccurredAt { get; set; }

    public IReadOnlyList<string> Agencies => CaseOpened.AgenciesOf(LeadAgency, PartnerAgencies);

    /// <summary>
    /// <see cref="OpenedAt"/> as an instant, for the column lists are ordered by (PostgreSQL's
    /// timestamptz holds instants, and Npgsql writes only UTC ones); not part of the JSON.
    /// </summary>
    [JsonIgnore]
    public DateTime OpenedInstant => OpenedAt.UtcDateTime;

    /// <summary>What an event changes about the case itself; every event moves the version.</summary>
    public void Record(IEvent e)
    {
        switch (e.Data)
        {
            case CaseOpened x:
                CaseId = x.CaseId;
                Reference = x.Reference;
                Title = x.Title;
                LeadAgency = x.LeadAgency;
                Jurisdiction = x.Jurisdiction;
                PartnerAgencies = [.. x.PartnerAgencies];
                OpenedAt = x.OpenedAt;
                break;
            case CaseRestricted:
                Restricted = true;
                break;
            case CaseRestrictionLifted:
                Restricted = false;
                break;
            case CaseClosed x:
                Status = CaseStatus.Closed;
                ClosedAt = x.ClosedAt;
                Disposition = x.Disposition;
                break;
        }

        if (e.Data is ICaseEvent fact && fact.OccurredAt > LastOccurredAt)
        {
            LastOccurredAt = fact.OccurredAt;
        }

        Version = e.Version;
    }
}

/// <summary>
/// One live entry of a case as <see cref="CaseDetails"/> shows it; exactly one of the entry
/// properties is set. Commutations and outcomes are rows of their own, under their sentence or
/// referral, so that every event inserts or deletes one row and never rewrites another.
/// </summary>
public class CaseDetailsEntry
{
    /// <summary>Case and entry, as <see cref="CaseEntry.IdFor"/> makes it.</summary>
    public string Id { get; set; } = "";
    public Guid CaseId { get; set; }

    /// <summary>The stream version of the event that recorded the entry: the order of the lists.</summary>
    public long Version { get; set; }

    /// <summary>Which of the entry properties below is set.</summary>
    public EntryKind Kind { get; set; }

    /// <summary>The person a standing identification names: how a person is found again by id.</summary>
    [JsonIgnore]
    public Guid? IdentifiedDefendantId => Defendant?.DefendantId;

    /// <summary>The sentence of a commutation, the referral of an outcome.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ParentId { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseTip? Tip { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseDefendant? Defendant { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseArrest? Arrest { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseSeizure? Seizure { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseCharge? Charge { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseVerdict? Verdict { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseSentence? Sentence { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseCommutation? Commutation { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseReferral? Referral { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseReferralOutcome? Outcome { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CaseLink? Link { get; set; }

    /// <summary>
    /// The entry an event records, if it records one. An entry event this does not know is a
    /// programming error, loud at once (every event type is folded in a test) rather than a blank row.
    /// </summary>
    public static CaseDetailsEntry? For(Guid caseId, IEvent e)
    {
        if (e.Data is not ICaseEntryEvent recorded) return null;

        var entry = new CaseDetailsEntry { Id = CaseEntry.IdFor(caseId, recorded.Entry.Id), CaseId = caseId, Version = e.Version, Kind = recorded.Entry.Kind };
        switch (recorded)
        {
            case TipReceived x:
                entry.Tip = new CaseTip(x.TipId, x.FromAgency, x.ReceivedAt, x.Summary, x.SubjectAlias, x.Channel);
                break;
            case DefendantIdentified x:
                entry.Defendant = new CaseDefendant(x.DefendantId, x.Name, x.Aliases, x.Nationality, x.Role, x.IdentifiedAt);
                break;
            case ArrestMade x:
                entry.Arrest = new CaseArrest(x.ArrestId, x.DefendantId, x.ArrestedAt, x.Place, x.Agency);
                break;
            case DrugsSeized x:
                entry.Seizure = new CaseSeizure(x.SeizureId, x.Substance, x.Quantity, x.Unit, x.SeizedAt, x.Place, x.EvidenceRef);
                break;
            case ChargeFiled x:
                entry.Charge = new CaseCharge(x.ChargeId, x.DefendantId, x.Offence, x.FiledAt, x.Statute);
                break;
            case VerdictReached x:
                entry.Verdict = new CaseVerdict(x.VerdictId, x.DefendantId, x.ChargeId, x.Verdict, x.ReachedAt, x.Court);
                break;
            case SentenceHanded x:
                entry.Sentence = new CaseSentence(x.SentenceId, x.DefendantId, x.Kind, x.TermMonths, x.ReprieveYears, x.HandedAt, x.Court, []);
                break;
            case SentenceCommuted x:
                entry.ParentId = x.SentenceId;
                entry.Commutation = new CaseCommutation(x.CommutationId, x.FromKind, x.ToKind, x.CommutedAt, x.Reason, x.TermMonths, x.ReprieveYears);
                break;
            case LeadReferred x:
                entry.Referral = new CaseReferral(x.ReferralId, x.ToAgency, x.Jurisdiction, x.SubjectsIdentified, x.ReferredAt, x.Summary, []);
                break;
            case ReferralOutcomeReported x:
                entry.ParentId = x.ReferralId;
                entry.Outcome = new CaseReferralOutcome(x.OutcomeId, x.ReportedAt, x.InvestigationsOpened, x.Arrests, x.Indictments, x.Jurisdictions);
                break;
            case CaseLinked x:
                entry.Link = new CaseLink(x.LinkId, x.LinkedCaseId, x.Relation, x.Note, x.LinkedAt);
                break;
            default:
                throw new UnreachableException($"{recorded.GetType().Name} records an entry that the case read model does not show.");
        }

        return entry;
    }
}

/// <summary>
/// Inline, so an officer reads what they just wrote. Every value comes from the events, so a
/// rebuild gives the same header.
/// </summary>
public partial class CaseHeaderProjection : SingleStreamProjection<CaseHeader, Guid>
{
    public CaseHeaderProjection()
    {
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
    }

    public override CaseHeader? Evolve(CaseHeader? snapshot, Guid id, IEvent e)
    {
        // Marten's tombstones (left by appends that failed) are no case's events and open no case.
        if (e.Data is not ICaseEvent) return snapshot;

        var header = snapshot ?? new CaseHeader { CaseId = id };
        header.Record(e);
        return header;
    }
}

/// <summary>
/// Inline, in the same transaction as the event: each event that records an entry inserts its
/// row, and a retraction deletes the row it withdraws.
/// </summary>
public partial class CaseDetailsEntriesProjection : EventProjection
{
    public CaseDetailsEntriesProjection()
    {
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is EntryRetracted retracted)
        {
            operations.Delete<CaseDetailsEntry>(CaseEntry.IdFor(e.StreamId, retracted.EntryId));
        }
        else if (CaseDetailsEntry.For(e.StreamId, e) is { } entry)
        {
            operations.Store(entry);
        }

        return ValueTask.CompletedTask;
    }
}
