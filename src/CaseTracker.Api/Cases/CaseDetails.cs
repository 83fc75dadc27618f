using System.Diagnostics;
using System.Text.Json.Serialization;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using JasperFx;
using Marten.Events.Aggregation;
using Marten.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>
/// The case as officers, analysts and auditors read it: every live entry, with totals. It is not
/// stored whole: a command would then load and rewrite a document that grows with the case. It is
/// kept as a <see cref="CaseHeader"/> and one <see cref="CaseDetailsEntry"/> per live entry, and
/// put together on each read (<see cref="Assemble"/>); time travel folds it from the events instead
/// (<see cref="Fold"/>). A test holds the two to the same answer.
/// </summary>
public partial class CaseDetails : CaseHeader
{
    public List<CaseTip> Tips { get; set; } = [];
    public List<CaseDefendant> Defendants { get; set; } = [];
    public List<CaseArrest> Arrests { get; set; } = [];
    public List<CaseSeizure> Seizures { get; set; } = [];
    public List<CaseCharge> Charges { get; set; } = [];
    public List<CaseVerdict> Verdicts { get; set; } = [];
    public List<CaseSentence> Sentences { get; set; } = [];
    public List<CaseReferral> Referrals { get; set; } = [];
    public List<CaseLink> Links { get; set; } = [];

    /// <summary>Mass seizures in grams by substance; other units are in <see cref="SeizureOtherUnits"/>.</summary>
    public IReadOnlyDictionary<string, decimal> SeizureTotals => Seizures
        .Where(x => Units.Grams.ContainsKey(x.Unit))
        .GroupBy(x => Units.SubstanceKey(x.Substance))
        .ToDictionary(g => g.Key, g => g.Sum(x => x.Quantity * Units.Grams[x.Unit]));

    public IReadOnlyDictionary<string, Dictionary<string, decimal>> SeizureOtherUnits => Seizures
        .Where(x => !Units.Grams.ContainsKey(x.Unit))
        .GroupBy(x => Units.SubstanceKey(x.Substance))
        .ToDictionary(g => g.Key, g => g.GroupBy(x => x.Unit).ToDictionary(u => u.Key, u => u.Sum(x => x.Quantity)));
}

public static class CaseStatus
{
    public const string Open = "open";
    public const string Closed = "closed";
}

public record CaseTip(Guid TipId, string FromAgency, DateTimeOffset ReceivedAt, string Summary, string? SubjectAlias, string? Channel);

public record CaseDefendant(
    Guid DefendantId,
    string Name,
    IReadOnlyList<string> Aliases,
    string? Nationality,
    string? Role,
    DateTimeOffset IdentifiedAt,
    string Status = DefendantStatus.Identified);

public record CaseArrest(Guid ArrestId, Guid DefendantId, DateTimeOffset ArrestedAt, string Place, string Agency);

public record CaseSeizure(
    Guid SeizureId, string Substance, decimal Quantity, string Unit, DateTimeOffset SeizedAt, string Place, string? EvidenceRef)
{
    public decimal? Grams => Units.Grams.TryGetValue(Unit, out var factor) ? Quantity * factor : null;

    /// <summary>The exhibits made from the seizure, in the order they were logged.</summary>
    /// <remarks>
    /// Exhibits live in streams of their own, so they are joined in on every read
    /// (<c>CaseDetails.WithExhibits</c>) and never stored with the seizure's row.
    /// </remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Guid>? ExhibitIds { get; init; }

    /// <summary>Grams by substance as the laboratories confirmed them: the latest result of each exhibit.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, decimal>? ConfirmedTotals { get; init; }
}

public record CaseCharge(Guid ChargeId, Guid DefendantId, string Offence, DateTimeOffset FiledAt, string? Statute);

public record CaseVerdict(Guid VerdictId, Guid DefendantId, Guid ChargeId, string Verdict, DateTimeOffset ReachedAt, string Court);

public record CaseSentence(
    Guid SentenceId,
    Guid DefendantId,
    string OriginalKind,
    int? OriginalTermMonths,
    int? OriginalReprieveYears,
    DateTimeOffset HandedAt,
    string Court,
    IReadOnlyList<CaseCommutation> Commutations)
{
    /// <summary>The sentence in its current form: the last standing commutation, else as handed down.</summary>
    public string Kind => Commutations.Count > 0 ? Commutations[^1].ToKind : OriginalKind;
    public int? TermMonths => Commutations.Count > 0 ? Commutations[^1].TermMonths : OriginalTermMonths;
    public int? ReprieveYears => Commutations.Count > 0 ? Commutations[^1].ReprieveYears : OriginalReprieveYears;
}

public record CaseCommutation(Guid CommutationId, string FromKind, string ToKind, DateTimeOffset CommutedAt, string Reason, int? TermMonths, int? ReprieveYears);

public record CaseReferral(
    Guid ReferralId, string ToAgency, string Jurisdiction, int SubjectsIdentified, DateTimeOffset ReferredAt, string Summary,
    IReadOnlyList<CaseReferralOutcome> Outcomes)
{
    public int InvestigationsOpened => Outcomes.Sum(x => x.InvestigationsOpened);
    public int Arrests => Outcomes.Sum(x => x.Arrests);
    public int Indictments => Outcomes.Sum(x => x.Indictments);
}

public record CaseReferralOutcome(
    Guid OutcomeId, DateTimeOffset ReportedAt, int InvestigationsOpened, int Arrests, int Indictments, IReadOnlyList<string> Jurisdictions);

public record CaseLink(Guid LinkId, Guid LinkedCaseId, string Relation, string Note, DateTimeOffset LinkedAt);

public partial class CaseDetails
{
    /// <summary>The case from its header and its live entries, as stored by the inline projections.</summary>
    public static CaseDetails Assemble(CaseHeader header, IEnumerable<CaseDetailsEntry> entries)
    {
        var details = new CaseDetails
        {
            CaseId = header.CaseId,
            Version = header.Version,
            Reference = header.Reference,
            Title = header.Title,
            Status = header.Status,
            Restricted = header.Restricted,
            LeadAgency = header.LeadAgency,
            Jurisdiction = header.Jurisdiction,
            PartnerAgencies = [.. header.PartnerAgencies],
            OpenedAt = header.OpenedAt,
            ClosedAt = header.ClosedAt,
            Disposition = header.Disposition,
            LastOccurredAt = header.LastOccurredAt,
        };

        // In the order they were recorded, as the fold adds them: a commutation or an outcome
        // always after the sentence or referral it belongs to.
        foreach (var entry in entries.OrderBy(x => x.Version)) details.Add(entry);
        details.RefreshDefendantStatuses();
        return details;
    }

    /// <summary>
    /// One event folded into the case, through the same steps as the stored header and entries, so
    /// a fold up to any version and the stored case give the same answer.
    /// </summary>
    public static CaseDetails? Fold(CaseDetails? snapshot, Guid id, IEvent e)
    {
        // Another stream's events (an exhibit's, Marten's tombstones) open no case.
        if (e.Data is not ICaseEvent) return snapshot;

        var details = snapshot ?? new CaseDetails { CaseId = id };
        details.Record(e);
        if (e.Data is EntryRetracted retracted) Retract(details, retracted);
        else if (CaseDetailsEntry.For(id, e) is { } entry) details.Add(entry);

        // Statuses scan the case's entries; only facts about people (or their withdrawal) can change them.
        if (e.Data is DefendantIdentified or ArrestMade or ChargeFiled or VerdictReached or SentenceHanded or EntryRetracted)
        {
            details.RefreshDefendantStatuses();
        }

        return details;
    }

    /// <summary>One live entry put in its place: every kind has one, or this does not compile.</summary>
    private void Add(CaseDetailsEntry entry) => _ = entry.Kind switch
    {
        EntryKind.Tip => Append(Tips, entry.Tip),
        EntryKind.Defendant => Append(Defendants, entry.Defendant),
        EntryKind.Arrest => Append(Arrests, entry.Arrest),
        EntryKind.Seizure => Append(Seizures, entry.Seizure),
        EntryKind.Charge => Append(Charges, entry.Charge),
        EntryKind.Verdict => Append(Verdicts, entry.Verdict),
        EntryKind.Sentence => Append(Sentences, entry.Sentence),
        EntryKind.Referral => Append(Referrals, entry.Referral),
        EntryKind.Link => Append(Links, entry.Link),
        EntryKind.Commutation => Replace(Sentences, s => s.SentenceId == entry.ParentId,
            s => s with { Commutations = [.. s.Commutations, entry.Commutation!] }),
        EntryKind.Outcome => Replace(Referrals, r => r.ReferralId == entry.ParentId,
            r => r with { Outcomes = [.. r.Outcomes, entry.Outcome!] }),
    };

    /// <summary>
    /// Each seizure with the exhibits made from it and the grams their laboratories confirmed. An
    /// exhibit of a seizure since retracted (which needs all of them disposed of) stays in the
    /// case's exhibit list and in the dashboard, but no longer under any seizure here.
    /// </summary>
    public CaseDetails WithExhibits(IEnumerable<ExhibitDetails> exhibits)
    {
        var bySeizure = ListCaseExhibitsEndpoint.InLoggingOrder(exhibits).ToLookup(x => x.SeizureId);
        Seizures = [.. Seizures.Select(s => s with
        {
            ExhibitIds = [.. bySeizure[s.SeizureId].Select(x => x.ExhibitId)],
            ConfirmedTotals = ExhibitDetails.ConfirmedTotals(bySeizure[s.SeizureId]),
        })];
        return this;
    }

    private void RefreshDefendantStatuses() =>
        Defendants = [.. Defendants.Select(d => d with { Status = DefendantStatus.Of(this, d.DefendantId) })];

    /// <summary>A retracted entry taken out of its place: every kind has one, or this does not compile.</summary>
    private static void Retract(CaseDetails details, EntryRetracted retracted)
    {
        var id = retracted.EntryId;
        _ = retracted.Kind switch
        {
            EntryKind.Tip => details.Tips.RemoveAll(x => x.TipId == id) > 0,
            EntryKind.Defendant => details.Defendants.RemoveAll(x => x.DefendantId == id) > 0,
            EntryKind.Arrest => details.Arrests.RemoveAll(x => x.ArrestId == id) > 0,
            EntryKind.Seizure => details.Seizures.RemoveAll(x => x.SeizureId == id) > 0,
            EntryKind.Charge => details.Charges.RemoveAll(x => x.ChargeId == id) > 0,
            EntryKind.Verdict => details.Verdicts.RemoveAll(x => x.VerdictId == id) > 0,
            EntryKind.Sentence => details.Sentences.RemoveAll(x => x.SentenceId == id) > 0,
            EntryKind.Referral => details.Referrals.RemoveAll(x => x.ReferralId == id) > 0,
            EntryKind.Link => details.Links.RemoveAll(x => x.LinkId == id) > 0,
            EntryKind.Commutation => Replace(details.Sentences, s => s.Commutations.Any(c => c.CommutationId == id),
                s => s with { Commutations = [.. s.Commutations.Where(c => c.CommutationId != id)] }),
            EntryKind.Outcome => Replace(details.Referrals, r => r.Outcomes.Any(o => o.OutcomeId == id),
                r => r with { Outcomes = [.. r.Outcomes.Where(o => o.OutcomeId != id)] }),
        };
    }

    private static bool Append<T>(List<T> items, T? item)
    {
        items.Add(item ?? throw new InvalidOperationException($"An entry row of kind {typeof(T).Name} holds no {typeof(T).Name}."));
        return true;
    }

    private static bool Replace<T>(List<T> items, Predicate<T> match, Func<T, T> change)
    {
        var index = items.FindIndex(match);
        if (index >= 0) items[index] = change(items[index]);
        return index >= 0;
    }
}

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
                entry.Tip = new CaseTip(x.TipId, x.FromAgency, x.ReceivedAt, x.Summary, x.SubjectAlias?.Text, x.Channel);
                break;
            case DefendantIdentified x:
                var person = x.Fields();
                entry.Defendant = new CaseDefendant(x.DefendantId, person.Name, person.Aliases, person.Nationality, x.Role, x.IdentifiedAt);
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
        // Exhibits' streams are no cases: their commands need not look for a header.
        IncludeType<ICaseEvent>();
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
    private readonly PersonalKeys _keys;

    public CaseDetailsEntriesProjection(PersonalKeys keys)
    {
        _keys = keys;
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
    }

    /// <summary>Events a rebuild reads from the store hold personal fields encrypted: revealed a page at a time.</summary>
    public override Task EnrichEventsAsync(IQuerySession querySession, IReadOnlyList<IEvent> events, CancellationToken cancellation) =>
        _keys.RevealAsync(querySession, events.Select(x => x.Data), cancellation);

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

/// <summary>Where a defendant stands, from the live entries about them (in one case, or across cases).</summary>
public static class DefendantStatus
{
    public const string Identified = "identified";
    public const string Arrested = "arrested";
    public const string Charged = "charged";
    public const string Convicted = "convicted";
    public const string Acquitted = "acquitted";
    public const string Sentenced = "sentenced";

    public static string Of(bool arrested, IReadOnlyCollection<Guid> chargeIds, IReadOnlyCollection<(Guid ChargeId, string Verdict)> verdicts, bool sentenced)
    {
        if (sentenced) return Sentenced;
        if (verdicts.Any(x => x.Verdict == Verdicts.Guilty)) return Convicted;
        if (chargeIds.Count > 0 && chargeIds.All(c => verdicts.Any(v => v.ChargeId == c))) return Acquitted;
        if (chargeIds.Count > 0) return Charged;
        return arrested ? Arrested : Identified;
    }

    public static string Of(CaseDetails details, Guid defendantId) => Of(
        details.Arrests.Any(x => x.DefendantId == defendantId),
        [.. details.Charges.Where(x => x.DefendantId == defendantId).Select(x => x.ChargeId)],
        [.. details.Verdicts.Where(x => x.DefendantId == defendantId).Select(x => (x.ChargeId, x.Verdict))],
        details.Sentences.Any(x => x.DefendantId == defendantId));
}

public static class GetCaseEndpoint
{
    /// <summary>Reads a case as it stands, or (auditors) as it stood.</summary>
    /// <remarks>
    /// The current case, or with exactly one of <paramref name="version"/>, <paramref name="knownAt"/>
    /// (recording time) or <paramref name="asOf"/> (business time) the case folded from its events
    /// up to that bound. Time travel is for auditors: it never reads the stored document.
    /// </remarks>
    [WolverineGet("/api/cases/{caseId:guid}")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<CaseDetails>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status304NotModified)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(
        Guid caseId, long? version, DateTimeOffset? knownAt, DateTimeOffset? asOf,
        IQuerySession session, PersonalKeys keys, CaseCheckpoints checkpoints, HttpContext http, CancellationToken ct)
    {
        var travel = new TimeTravel(version, knownAt, asOf);
        if (travel.Refusal(http.User) is { } refusal) return Results.Problem(refusal);

        // A client holding the current version learns so from the header alone, without the case
        // being put together (If-None-Match, RFC 9110 §13.1.2). The read log records the 304. The
        // version is the case stream's, which its exhibits' hand-overs and lab results do not move,
        // and which a court order about someone in it does not move either: such a case is always
        // answered in full.
        if (!travel.IsPresent && http.Request.Headers.IfNoneMatch.Count > 0
            && await session.LoadAsync<CaseHeader>(caseId, ct) is { } header
            && CaseAccess.MaySee(http.User, header.Restricted, header.Agencies)
            && !await session.Query<ExhibitDetails>().AnyAsync(x => x.CaseId == caseId, ct)
            && EntityTagHeaderValue.TryParseList(http.Request.Headers.IfNoneMatch, out var tags)
            && tags.Any(tag => tag == EntityTagHeaderValue.Any || tag.Compare(new EntityTagHeaderValue(ExpectedVersion.ETag(header.Version)), useStrongComparison: false))
            && !await Disclosure.AnyOrderInCaseAsync(session, caseId, ct))
        {
            http.Response.Headers.ETag = ExpectedVersion.ETag(header.Version);
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        var details = await Load(session, checkpoints, caseId, travel, ct);
        if (details is null || !CaseAccess.MaySee(http.User, details.Restricted, details.Agencies))
        {
            return Results.Problem(Problems.NoCase(caseId));
        }

        http.Response.Headers.ETag = ExpectedVersion.ETag(details.Version);
        return Results.Json(await Disclosure.ApplyAsync(session, keys, http, details, ct));
    }

    /// <summary>The case as it stands, from its stored header and rows; null when there is no such case.</summary>
    internal static async Task<CaseDetails?> Current(IQuerySession session, Guid caseId, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var header = batch.Load<CaseHeader>(caseId);
        var entries = batch.Query<CaseDetailsEntry>().Where(x => x.CaseId == caseId).ToList();
        var exhibits = batch.Query<ExhibitDetails>().Where(x => x.CaseId == caseId).ToList();
        await batch.Execute(ct);
        return await header is { } found ? CaseDetails.Assemble(found, await entries).WithExhibits(await exhibits) : null;
    }

    /// <summary>The case as it stands, or as a time-travel bound saw it; null when there is no such case.</summary>
    /// <remarks>
    /// Exhibits are streams of their own. A <c>version</c> is a position in the case's stream
    /// alone, so the case at a version shows its seizures' exhibits as they stand now (an exhibit's
    /// own history is read at <c>/api/exhibits/{id}?version=</c>); <c>knownAt</c> and <c>asOf</c> are
    /// times, which bound every stream, so there each exhibit is folded to the same time.
    /// </remarks>
    internal static async Task<CaseDetails?> Load(IQuerySession session, CaseCheckpoints checkpoints, Guid caseId, TimeTravel travel, CancellationToken ct)
    {
        if (!travel.IsPresent) return await Current(session, caseId, ct);
        if (await checkpoints.FoldAsync(session, caseId, travel, ct) is not { } folded) return null;

        var current = await session.Query<ExhibitDetails>().Where(x => x.CaseId == caseId).ToListAsync(ct);
        if (travel.Version is not null) return folded.WithExhibits(current);

        var then = new List<ExhibitDetails>();
        foreach (var exhibit in current)
        {
            if (await GetExhibitEndpoint.Fold(session, exhibit.ExhibitId, travel, ct) is { } travelled) then.Add(travelled);
        }

        return folded.WithExhibits(then);
    }
}
