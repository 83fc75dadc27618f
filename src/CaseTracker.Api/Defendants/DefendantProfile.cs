using System.Security.Claims;
using System.Text.Json.Serialization;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Grouping;
using Marten;
using Marten.Events.Projections;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Defendants;

/// <summary>One person across every case they appear in.</summary>
public class DefendantProfile
{
    [Identity]
    public Guid DefendantId { get; set; }
    public List<string> Names { get; set; } = [];
    public List<string> Aliases { get; set; } = [];
    /// <summary>As given by the latest identification that names one.</summary>
    public string? Nationality { get; set; }
    public List<DefendantCase> Cases { get; set; } = [];
    public List<DefendantArrest> Arrests { get; set; } = [];
    public List<DefendantCharge> Charges { get; set; } = [];
    public List<DefendantVerdict> Verdicts { get; set; } = [];
    public List<CaseSentenceOf> Sentences { get; set; } = [];
    public string Status { get; set; } = DefendantStatus.Identified;

    /// <summary>Names and aliases, lower-cased, as name search reads them.</summary>
    [StoredOnly]
    public string SearchText { get; set; } = "";

    /// <summary>A column of its own, not in the document: which people a reader's hidden cases name, through an index.</summary>
    [JsonIgnore]
    public Guid[] CaseIds => [.. Cases.Select(x => x.CaseId).Distinct()];

    /// <summary>
    /// Names and aliases folded for comparing people (<see cref="NameKeys.Fold"/>), for the trigram
    /// index behind possible duplicates.
    /// </summary>
    [StoredOnly]
    public string MatchText { get; set; } = "";

    /// <summary>The people merged into this one, when read through a merge; empty as stored (docs/merges.md).</summary>
    public List<Guid> MergedIds { get; set; } = [];

    /// <summary>
    /// Names, aliases, nationality, search text and status follow from the entries, so that a profile
    /// cut down to the cases a reader may see says nothing that only the hidden cases said.
    /// </summary>
    public void Summarise()
    {
        Names = [.. Cases.Select(c => c.Name).Distinct()];
        Aliases = [.. Cases.SelectMany(c => c.Aliases).Distinct()];
        Nationality = Cases.LastOrDefault(c => c.Nationality is not null)?.Nationality;
        // A placeholder is nobody's name: searching for "expunged" finds no one.
        SearchText = string.Join(" | ", Names.Concat(Aliases).Where(x => !Withheld.Is(x))).ToLowerInvariant();
        MatchText = NameKeys.Join(Names.Concat(Aliases).Where(x => !Withheld.Is(x)));
        Status = DefendantStatus.Of(
            Arrests.Count > 0,
            [.. Charges.Select(c => c.ChargeId)],
            [.. Verdicts.Select(v => (v.ChargeId, v.Verdict))],
            Sentences.Count > 0);
    }

    /// <summary>
    /// Once the person's record is expunged: every identification's personal fields withheld, by the
    /// rule an identification whose key is gone reads with, so a rebuild gives the same profile.
    /// </summary>
    public void Expunge()
    {
        Cases = [.. Cases.Select(c => new PersonFields(c.Name, c.Aliases, c.Nationality).Withheld(Withheld.Expunged) is var f
            ? c with { Name = f.Name, Aliases = f.Aliases, Nationality = f.Nationality }
            : c)];
        Summarise();
    }

    /// <summary>The profile without what restricted cases the reader may not see recorded; null if nothing is left.</summary>
    public DefendantProfile? Without(IReadOnlyCollection<Guid> hiddenCases)
    {
        if (hiddenCases.Count == 0) return this;

        var visible = new DefendantProfile
        {
            DefendantId = DefendantId,
            Cases = [.. Cases.Where(x => !hiddenCases.Contains(x.CaseId))],
            Arrests = [.. Arrests.Where(x => !hiddenCases.Contains(x.CaseId))],
            Charges = [.. Charges.Where(x => !hiddenCases.Contains(x.CaseId))],
            Verdicts = [.. Verdicts.Where(x => !hiddenCases.Contains(x.CaseId))],
            Sentences = [.. Sentences.Where(x => !hiddenCases.Contains(x.CaseId))],
            MergedIds = MergedIds,
        };
        visible.Summarise();
        return visible.Cases.Count == 0 ? null : visible;
    }
}

public record DefendantCase(Guid CaseId, string Name, IReadOnlyList<string> Aliases, string? Nationality, string? Role, DateTimeOffset IdentifiedAt);
public record DefendantArrest(Guid ArrestId, Guid CaseId, DateTimeOffset ArrestedAt, string Place, string Agency);
public record DefendantCharge(Guid ChargeId, Guid CaseId, string Offence, DateTimeOffset FiledAt, string? Statute);
public record DefendantVerdict(Guid VerdictId, Guid CaseId, Guid ChargeId, string Verdict, DateTimeOffset ReachedAt, string Court);

/// <summary>A sentence in its current form, with the case it was handed down in.</summary>
public record CaseSentenceOf(Guid CaseId, CaseSentence Sentence);

/// <summary>
/// Folds every case stream's facts about a person into their profile. Asynchronous: it spans
/// streams, so it is built by the daemon (on one node, placed by Wolverine) a moment after the commit.
/// </summary>
public partial class DefendantProfileProjection : MultiStreamProjection<DefendantProfile, Guid>
{
    private readonly PersonalKeys _keys;

    public DefendantProfileProjection(PersonalKeys keys)
    {
        _keys = keys;
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
        Identities<ICaseEvent>(e => Concerning(e) is { } id ? [id] : []);
        Identities<RecordExpunged>(e => e.People());
    }

    /// <summary>The personal fields of a page of events, revealed with one read of their keys.</summary>
    public override Task EnrichEventsAsync(SliceGroup<DefendantProfile, Guid> group, IQuerySession querySession, CancellationToken cancellation) =>
        _keys.RevealAsync(querySession, group.Slices.SelectMany(x => x.Events()).Select(x => x.Data), cancellation);

    /// <summary>The person a case event is about, if any: how events are routed to profiles.</summary>
    public static Guid? Concerning(object fact) => fact switch
    {
        DefendantIdentified x => x.DefendantId,
        ArrestMade x => x.DefendantId,
        ChargeFiled x => x.DefendantId,
        VerdictReached x => x.DefendantId,
        SentenceHanded x => x.DefendantId,
        SentenceCommuted x => x.DefendantId,
        EntryRetracted x => x.DefendantId,
        _ => null
    };

    public override DefendantProfile? Evolve(DefendantProfile? snapshot, Guid id, IEvent e)
    {
        var caseId = e.StreamId;
        if (e.Data is RecordExpunged)
        {
            // The expungement rewrote the profile already; this keeps a rebuild, and a profile this
            // projection was still building when the order came, to the same answer.
            snapshot?.Expunge();
            return snapshot;
        }

        var profile = snapshot ?? new DefendantProfile { DefendantId = id };
        switch (e.Data)
        {
            case DefendantIdentified x:
                var person = x.Fields();
                profile.Cases.Add(new DefendantCase(caseId, person.Name, person.Aliases, person.Nationality, x.Role, x.IdentifiedAt));
                break;
            case ArrestMade x:
                profile.Arrests.Add(new DefendantArrest(x.ArrestId, caseId, x.ArrestedAt, x.Place, x.Agency));
                break;
            case ChargeFiled x:
                profile.Charges.Add(new DefendantCharge(x.ChargeId, caseId, x.Offence, x.FiledAt, x.Statute));
                break;
            case VerdictReached x:
                profile.Verdicts.Add(new DefendantVerdict(x.VerdictId, caseId, x.ChargeId, x.Verdict, x.ReachedAt, x.Court));
                break;
            case SentenceHanded x:
                profile.Sentences.Add(new CaseSentenceOf(caseId,
                    new CaseSentence(x.SentenceId, x.DefendantId, x.Kind, x.TermMonths, x.ReprieveYears, x.HandedAt, x.Court, [])));
                break;
            case SentenceCommuted x:
                ChangeSentence(profile, x.SentenceId, s => s with
                {
                    Commutations = [.. s.Commutations, new CaseCommutation(x.CommutationId, x.FromKind, x.ToKind, x.CommutedAt, x.Reason, x.TermMonths, x.ReprieveYears)]
                });
                break;
            case EntryRetracted x when x.Kind == EntryKind.Defendant:
                profile.Cases.RemoveAll(c => c.CaseId == caseId);
                if (profile.Cases.Count == 0) return null;
                break;
            case EntryRetracted x:
                profile.Arrests.RemoveAll(a => a.ArrestId == x.EntryId);
                profile.Charges.RemoveAll(c => c.ChargeId == x.EntryId);
                profile.Verdicts.RemoveAll(v => v.VerdictId == x.EntryId);
                profile.Sentences.RemoveAll(s => s.Sentence.SentenceId == x.EntryId);
                ChangeSentence(profile, s => s.Commutations.Any(c => c.CommutationId == x.EntryId),
                    s => s with { Commutations = [.. s.Commutations.Where(c => c.CommutationId != x.EntryId)] });
                break;
            default:
                // Routed here by Concerning but placed nowhere: a new kind of fact about a person
                // that this profile forgot (a test folds every event type).
                throw new System.Diagnostics.UnreachableException($"{e.Data.GetType().Name} concerns a person but has no place in their profile.");
        }

        profile.Summarise();
        return profile;
    }

    private static void ChangeSentence(DefendantProfile profile, Guid sentenceId, Func<CaseSentence, CaseSentence> change) =>
        ChangeSentence(profile, s => s.SentenceId == sentenceId, change);

    private static void ChangeSentence(DefendantProfile profile, Func<CaseSentence, bool> match, Func<CaseSentence, CaseSentence> change)
    {
        var index = profile.Sentences.FindIndex(s => match(s.Sentence));
        if (index >= 0) profile.Sentences[index] = profile.Sentences[index] with { Sentence = change(profile.Sentences[index].Sentence) };
    }
}

public record DefendantSummary(Guid DefendantId, IReadOnlyList<string> Names, IReadOnlyList<string> Aliases, string Status, int Cases);

public record DefendantPage(int Page, int PageSize, long Total, IReadOnlyList<DefendantSummary> Items);

public static class DefendantEndpoints
{
    /// <summary>Reads one person across the cases this reader may see.</summary>
    /// <remarks>
    /// The person's current profile, or (for auditors) the profile folded from the events up to one
    /// bound: <paramref name="version"/> is the global event sequence, <paramref name="knownAt"/> the
    /// recording time and <paramref name="asOf"/> the business time.
    /// </remarks>
    [WolverineGet("/api/defendants/{defendantId:guid}", OperationId = "GetDefendant")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<DefendantProfile>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(
        Guid defendantId, long? version, DateTimeOffset? knownAt, DateTimeOffset? asOf,
        IQuerySession session, PersonalKeys keys, HttpContext http, CancellationToken ct)
    {
        var travel = new TimeTravel(version, knownAt, asOf);
        if (travel.Refusal(http.User) is { } refusal) return Results.Problem(refusal);

        var profile = travel.IsPresent
            ? await FoldAsync(session, keys, defendantId, travel, ct)
            : await VisibleAsync(session, defendantId, http.User, ct);
        if (profile is null)
        {
            return Results.Problem(travel.IsPresent ? Problems.NotFound($"No defendant {defendantId} at that point in time.") : Problems.NoDefendant(defendantId));
        }

        (await Disclosure.ForAsync(session, http.User, [profile.DefendantId, .. profile.MergedIds], ct)).Record(http);
        return Results.Json(profile);
    }

    /// <summary>
    /// The person's current profile as this reader may see it, put together with everyone merged
    /// into the same survivor (whose id it answers with): null when no case they may see names the
    /// survivor, or when a court sealed the survivor's record and the reader is not one who may still find them.
    /// </summary>
    public static async Task<DefendantProfile?> VisibleAsync(IQuerySession session, Guid defendantId, ClaimsPrincipal reader, CancellationToken ct) =>
        await PersonMerges.VisibleAsync(session, await PersonMerges.GroupOfAsync(session, defendantId, ct), reader, await CaseVisibility.HiddenFrom(session, reader, ct), ct);

    /// <summary>The cases a person was ever identified in, retracted identifications included.</summary>
    public static Task<Guid[]> CasesOf(IQuerySession session, Guid defendantId, CancellationToken ct) => CasesOf(session, [defendantId], ct);

    public static async Task<Guid[]> CasesOf(IQuerySession session, Guid[] people, CancellationToken ct) =>
        (await session.Query<CaseEntry>()
            .Where(x => x.EntryId.IsOneOf(people) && x.Kind == EntryKind.Defendant)
            .Select(x => x.CaseId)
            .ToListAsync(ct)).Distinct().ToArray();

    /// <summary>The person at a time-travel bound, put together with the people merged into the same survivor then.</summary>
    private static async Task<DefendantProfile?> FoldAsync(IQuerySession session, PersonalKeys keys, Guid defendantId, TimeTravel travel, CancellationToken ct)
    {
        var group = await PersonMerges.GroupAtAsync(session, defendantId, travel, ct);
        var profiles = new List<DefendantProfile>();
        foreach (var member in group.Members)
        {
            if (await FoldOneAsync(session, keys, member, travel, ct) is { } profile) profiles.Add(profile);
        }

        return profiles.FirstOrDefault()?.DefendantId == group.SurvivorId ? PersonMerges.Combine(profiles[0], [.. profiles.Skip(1)]) : null;
    }

    /// <summary>
    /// Marten keeps no history of multi-stream documents, so time travel folds the person's events
    /// again: those of every case they were ever identified in, up to the bound.
    /// </summary>
    public static async Task<DefendantProfile?> FoldOneAsync(IQuerySession session, PersonalKeys keys, Guid defendantId, TimeTravel travel, CancellationToken ct)
    {
        // The write model's entry rows keep retracted identifications too: a past may hold them.
        var streams = await CasesOf(session, defendantId, ct);
        if (streams.Length == 0) return null;

        var query = session.Events.Everything().Where(x => x.StreamId.IsOneOf(streams));
        if (travel.Version is { } sequence) query = query.Where(x => x.Sequence <= sequence);
        if (travel.KnownAt is { } knownAt) query = query.Where(x => x.Timestamp <= knownAt);
        var events = await query.OrderBy(x => x.Sequence).ToListAsync(ct);
        await keys.RevealAsync(session, events.Select(x => x.Data), ct);

        var projection = new DefendantProfileProjection(keys);
        return events
            .Where(e => DefendantProfileProjection.Concerning(e.Data) == defendantId && travel.HadHappened(e.Data))
            .Aggregate<IEvent, DefendantProfile?>(null, (profile, e) => projection.Evolve(profile, defendantId, e));
    }

    /// <summary>Searches people by name or alias.</summary>
    /// <remarks>
    /// People whose names and aliases hold every word of <paramref name="name"/>, case-insensitively
    /// and anywhere in a name, counting only what cases this reader may see recorded; everyone this
    /// reader may find when there is no name. Ordered by name, then id; <c>total</c> counts every match.
    /// </remarks>
    [WolverineGet("/api/defendants", OperationId = "SearchDefendants")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<DefendantPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Search(string? name, int? page, int? pageSize, IQuerySession session, PersonalKeys keys, HttpContext http, CancellationToken ct)
    {
        var problems = new Validation()
            .Text("name", name, required: false)
            .Page(page, pageSize)
            .Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        if (!string.IsNullOrWhiteSpace(name) && await Disclosure.NamesExpungedAsync(session, keys, name, ct)) ReadAudit.Withhold(http, name, Withheld.Expunged);

        var paging = Paging.Of(page, pageSize);
        var hidden = await CaseVisibility.HiddenFrom(session, http.User, ct);
        var found = await DefendantSearch.FindAsync(session, name, hidden, CaseAccess.SeesEverything(http.User), paging, ct);

        // Each person on the page as this reader may see them, with the people merged into them (one
        // whose last identification was retracted between the two reads is left out).
        var profiles = (await session.LoadManyAsync<DefendantProfile>(ct, found.People)).ToDictionary(x => x.DefendantId);
        var shown = (await PersonMerges.CompleteAsync(session, [.. found.People.Select(profiles.GetValueOrDefault).OfType<DefendantProfile>()], http.User, hidden, ct))
            .Select(x => x.Without(hidden))
            .OfType<DefendantProfile>()
            .ToList();
        return Results.Json(new DefendantPage(paging.Page, paging.Size, found.Total, await Shown(session, http, shown, ct)));
    }

    /// <summary>A page of people as this reader may see them, on record in the read log.</summary>
    private static async Task<IReadOnlyList<DefendantSummary>> Shown(IQuerySession session, HttpContext http, IReadOnlyList<DefendantProfile> people, CancellationToken ct)
    {
        ReadAudit.Shown(http, people.SelectMany(x => x.MergedIds.Prepend(x.DefendantId)));
        var disclosure = await Disclosure.ForAsync(session, http.User, people.SelectMany(x => x.MergedIds.Prepend(x.DefendantId)), ct);
        disclosure.Record(http);
        foreach (var person in people.Where(x => disclosure.Placeholder(x.DefendantId) == Withheld.Expunged)) person.Expunge();
        return [.. people.Select(Summary)];
    }

    private static DefendantSummary Summary(DefendantProfile x) => new(x.DefendantId, x.Names, x.Aliases, x.Status, x.Cases.Count);
}
