using System.Text.Json.Serialization;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using JasperFx;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>
/// The case as officers, analysts and auditors read it: every live entry, with totals. It is not
/// stored whole: a command would then load and rewrite a document that grows with the case. It is
/// kept as a <see cref="CaseHeader"/> and one <see cref="CaseDetailsEntry"/> per live entry, and
/// put together on each read (<see cref="Assemble"/>); time travel folds it from the events instead
/// (<see cref="Evolve"/>). A test holds the two to the same answer.
/// </summary>
public partial class CaseDetails
{
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

    public List<CaseTip> Tips { get; set; } = [];
    public List<CaseDefendant> Defendants { get; set; } = [];
    public List<CaseArrest> Arrests { get; set; } = [];
    public List<CaseSeizure> Seizures { get; set; } = [];
    public List<CaseCharge> Charges { get; set; } = [];
    public List<CaseVerdict> Verdicts { get; set; } = [];
    public List<CaseSentence> Sentences { get; set; } = [];
    public List<CaseReferral> Referrals { get; set; } = [];
    public List<CaseLink> Links { get; set; } = [];

    public IReadOnlyList<string> Agencies => [LeadAgency, .. PartnerAgencies.Where(x => x != LeadAgency)];

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

        // Entries in the order they were recorded, as the fold adds them; commutations and outcomes
        // after the sentence or referral they belong to.
        var ordered = entries.OrderBy(x => x.Version).ToList();
        var commutations = ordered.Where(x => x.Commutation is not null).ToLookup(x => x.ParentId, x => x.Commutation!);
        var outcomes = ordered.Where(x => x.Outcome is not null).ToLookup(x => x.ParentId, x => x.Outcome!);
        foreach (var entry in ordered)
        {
            if (entry.Tip is { } tip) details.Tips.Add(tip);
            if (entry.Defendant is { } defendant) details.Defendants.Add(defendant);
            if (entry.Arrest is { } arrest) details.Arrests.Add(arrest);
            if (entry.Seizure is { } seizure) details.Seizures.Add(seizure);
            if (entry.Charge is { } charge) details.Charges.Add(charge);
            if (entry.Verdict is { } verdict) details.Verdicts.Add(verdict);
            if (entry.Sentence is { } sentence) details.Sentences.Add(sentence with { Commutations = [.. commutations[sentence.SentenceId]] });
            if (entry.Referral is { } referral) details.Referrals.Add(referral with { Outcomes = [.. outcomes[referral.ReferralId]] });
            if (entry.Link is { } link) details.Links.Add(link);
        }

        details.Defendants = [.. details.Defendants.Select(d => d with { Status = DefendantStatus.Of(details, d.DefendantId) })];
        return details;
    }

    /// <summary>
    /// One event folded into the case. Every value comes from the events, so a fold up to any
    /// version, and the stored header and entries, give the same case.
    /// </summary>
    public static CaseDetails Evolve(CaseDetails? snapshot, Guid id, IEvent e)
    {
        var details = snapshot ?? new CaseDetails { CaseId = id };
        switch (e.Data)
        {
            case CaseOpened x:
                details.CaseId = x.CaseId;
                details.Reference = x.Reference;
                details.Title = x.Title;
                details.LeadAgency = x.LeadAgency;
                details.Jurisdiction = x.Jurisdiction;
                details.PartnerAgencies = [.. x.PartnerAgencies];
                details.OpenedAt = x.OpenedAt;
                break;
            case TipReceived x:
                details.Tips.Add(new CaseTip(x.TipId, x.FromAgency, x.ReceivedAt, x.Summary, x.SubjectAlias, x.Channel));
                break;
            case DefendantIdentified x:
                details.Defendants.Add(new CaseDefendant(x.DefendantId, x.Name, x.Aliases, x.Nationality, x.Role, x.IdentifiedAt));
                break;
            case ArrestMade x:
                details.Arrests.Add(new CaseArrest(x.ArrestId, x.DefendantId, x.ArrestedAt, x.Place, x.Agency));
                break;
            case DrugsSeized x:
                details.Seizures.Add(new CaseSeizure(x.SeizureId, x.Substance, x.Quantity, x.Unit, x.SeizedAt, x.Place, x.EvidenceRef));
                break;
            case ChargeFiled x:
                details.Charges.Add(new CaseCharge(x.ChargeId, x.DefendantId, x.Offence, x.FiledAt, x.Statute));
                break;
            case VerdictReached x:
                details.Verdicts.Add(new CaseVerdict(x.VerdictId, x.DefendantId, x.ChargeId, x.Verdict, x.ReachedAt, x.Court));
                break;
            case SentenceHanded x:
                details.Sentences.Add(new CaseSentence(x.SentenceId, x.DefendantId, x.Kind, x.TermMonths, x.ReprieveYears, x.HandedAt, x.Court, []));
                break;
            case SentenceCommuted x:
                Replace(details.Sentences, s => s.SentenceId == x.SentenceId, s => s with
                {
                    Commutations = [.. s.Commutations, new CaseCommutation(x.CommutationId, x.FromKind, x.ToKind, x.CommutedAt, x.Reason, x.TermMonths, x.ReprieveYears)]
                });
                break;
            case LeadReferred x:
                details.Referrals.Add(new CaseReferral(x.ReferralId, x.ToAgency, x.Jurisdiction, x.SubjectsIdentified, x.ReferredAt, x.Summary, []));
                break;
            case ReferralOutcomeReported x:
                Replace(details.Referrals, r => r.ReferralId == x.ReferralId, r => r with
                {
                    Outcomes = [.. r.Outcomes, new CaseReferralOutcome(x.OutcomeId, x.ReportedAt, x.InvestigationsOpened, x.Arrests, x.Indictments, x.Jurisdictions)]
                });
                break;
            case CaseLinked x:
                details.Links.Add(new CaseLink(x.LinkId, x.LinkedCaseId, x.Relation, x.Note, x.LinkedAt));
                break;
            case EntryRetracted x:
                Retract(details, x.EntryId);
                break;
            case CaseRestricted:
                details.Restricted = true;
                break;
            case CaseRestrictionLifted:
                details.Restricted = false;
                break;
            case CaseClosed x:
                details.Status = CaseStatus.Closed;
                details.ClosedAt = x.ClosedAt;
                details.Disposition = x.Disposition;
                break;
        }

        if (e.Data is ICaseEvent fact && fact.OccurredAt > details.LastOccurredAt)
        {
            details.LastOccurredAt = fact.OccurredAt;
        }

        details.Version = e.Version;

        // Statuses scan the case's entries; only facts about people (or their withdrawal) can change them.
        if (e.Data is DefendantIdentified or ArrestMade or ChargeFiled or VerdictReached or SentenceHanded or EntryRetracted)
        {
            details.Defendants = [.. details.Defendants.Select(d => d with { Status = DefendantStatus.Of(details, d.DefendantId) })];
        }

        return details;
    }

    private static void Retract(CaseDetails details, Guid entryId)
    {
        details.Tips.RemoveAll(x => x.TipId == entryId);
        details.Defendants.RemoveAll(x => x.DefendantId == entryId);
        details.Arrests.RemoveAll(x => x.ArrestId == entryId);
        details.Seizures.RemoveAll(x => x.SeizureId == entryId);
        details.Charges.RemoveAll(x => x.ChargeId == entryId);
        details.Verdicts.RemoveAll(x => x.VerdictId == entryId);
        details.Sentences.RemoveAll(x => x.SentenceId == entryId);
        details.Referrals.RemoveAll(x => x.ReferralId == entryId);
        details.Links.RemoveAll(x => x.LinkId == entryId);
        Replace(details.Sentences, s => s.Commutations.Any(c => c.CommutationId == entryId),
            s => s with { Commutations = [.. s.Commutations.Where(c => c.CommutationId != entryId)] });
        Replace(details.Referrals, r => r.Outcomes.Any(o => o.OutcomeId == entryId),
            r => r with { Outcomes = [.. r.Outcomes.Where(o => o.OutcomeId != entryId)] });
    }

    private static void Replace<T>(List<T> items, Predicate<T> match, Func<T, T> change)
    {
        var index = items.FindIndex(match);
        if (index >= 0) items[index] = change(items[index]);
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
    /// <summary>
    /// The current case, or with exactly one of <paramref name="version"/>, <paramref name="knownAt"/>
    /// (recording time) or <paramref name="asOf"/> (business time) the case folded from its events
    /// up to that bound. Time travel is for auditors: it never reads the stored document.
    /// </summary>
    [WolverineGet("/api/cases/{caseId:guid}")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<CaseDetails>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(
        Guid caseId, long? version, DateTimeOffset? knownAt, DateTimeOffset? asOf,
        IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var travel = new TimeTravel(version, knownAt, asOf);
        if (travel.Refusal(http.User) is { } refusal) return Results.Problem(refusal);

        var details = await Load(session, caseId, travel, ct);
        if (details is null || !CaseAccess.MaySee(http.User, details.Restricted, details.Agencies))
        {
            return Results.Problem(Problems.NotFound($"No case {caseId} (at that point in time)."));
        }

        http.Response.Headers.ETag = ExpectedVersion.ETag(details.Version);
        return Results.Json(details);
    }

    private static async Task<CaseDetails?> Load(IQuerySession session, Guid caseId, TimeTravel travel, CancellationToken ct)
    {
        if (!travel.IsPresent)
        {
            var batch = session.CreateBatchQuery();
            var header = batch.Load<CaseHeader>(caseId);
            var entries = batch.Query<CaseDetailsEntry>().Where(x => x.CaseId == caseId).ToList();
            await batch.Execute(ct);
            return await header is { } found ? CaseDetails.Assemble(found, await entries) : null;
        }

        IReadOnlyList<IEvent> events = travel switch
        {
            { Version: { } version } => await session.Events.FetchStreamAsync(caseId, version, token: ct),
            { KnownAt: { } knownAt } => await session.Events.FetchStreamAsync(caseId, timestamp: knownAt, token: ct),
            _ => [.. (await session.Events.FetchStreamAsync(caseId, token: ct)).Where(e => travel.HadHappened(e.Data))]
        };
        return events.Aggregate((CaseDetails?)null, (details, e) => CaseDetails.Evolve(details, caseId, e));
    }
}
