using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Storage;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Linq.MatchesSql;
using Marten.Events.Projections;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Stats;

/// <summary>Totals across all cases, kept by one asynchronous projection as a single document.</summary>
public class DashboardStats
{
    public const string AllCases = "all";

    [Identity]
    public string Id { get; set; } = AllCases;
    public CaseCounts Cases { get; set; } = new();
    public int Arrests { get; set; }

    /// <summary>Arrests by the month they were made ("2018-08"), in the time zone they were recorded in.</summary>
    public Dictionary<string, int> ArrestsByMonth { get; set; } = [];
    public Dictionary<string, decimal> SeizuresGrams { get; set; } = [];
    public Dictionary<string, Dictionary<string, decimal>> SeizuresOtherUnits { get; set; } = [];
    public Dictionary<string, int> Sentences { get; set; } = [];
    public ReferralFigures Referrals { get; set; } = new();
    public Dictionary<string, int> TipsByAgency { get; set; } = [];

    /// <summary>Restricted cases count only for those who may see them, so they are kept out of these totals.</summary>
    public List<Guid> RestrictedCases { get; set; } = [];

    /// <summary>Adds (or with -1 takes away) another set of totals, such as one case's contribution.</summary>
    public void Merge(DashboardStats other, int sign)
    {
        Cases.Open += sign * other.Cases.Open;
        Cases.Closed += sign * other.Cases.Closed;
        Arrests += sign * other.Arrests;
        foreach (var (month, count) in other.ArrestsByMonth) Totals.Add(ArrestsByMonth, month, sign * count);
        foreach (var (substance, grams) in other.SeizuresGrams) Totals.Add(SeizuresGrams, substance, sign * grams);
        foreach (var (substance, units) in other.SeizuresOtherUnits)
        {
            foreach (var (unit, quantity) in units) Totals.AddOtherUnit(SeizuresOtherUnits, substance, unit, sign * quantity);
        }

        foreach (var (kind, count) in other.Sentences) Totals.Add(Sentences, kind, sign * count);
        Referrals.SubjectsIdentified += sign * other.Referrals.SubjectsIdentified;
        Referrals.InvestigationsOpened += sign * other.Referrals.InvestigationsOpened;
        Referrals.Arrests += sign * other.Referrals.Arrests;
        Referrals.Indictments += sign * other.Referrals.Indictments;
        foreach (var (agency, count) in other.TipsByAgency) Totals.Add(TipsByAgency, agency, sign * count);
    }
}

internal static class Totals
{
    /// <summary>Keys whose total returns to zero are dropped, so a rebuild and a live fold agree.</summary>
    public static void Add<T>(Dictionary<string, T> totals, string key, T amount) where T : System.Numerics.INumber<T>
    {
        var total = (totals.TryGetValue(key, out var current) ? current : T.Zero) + amount;
        if (total == T.Zero) totals.Remove(key);
        else totals[key] = total;
    }

    public static void AddOtherUnit(Dictionary<string, Dictionary<string, decimal>> totals, string substance, string unit, decimal amount)
    {
        var units = totals.TryGetValue(substance, out var found) ? found : totals[substance] = [];
        Add(units, unit, amount);
        if (units.Count == 0) totals.Remove(substance);
    }
}

public class CaseCounts
{
    public int Open { get; set; }
    public int Closed { get; set; }
}

public class ReferralFigures
{
    public int SubjectsIdentified { get; set; }
    public int InvestigationsOpened { get; set; }
    public int Arrests { get; set; }
    public int Indictments { get; set; }
}

/// <summary>
/// Adds every fact to the totals as it arrives and takes a retracted fact away again. A retraction
/// names the stream version of what it withdraws, so the original fact is read back (it never
/// changes) instead of the totals keeping every entry they ever counted.
/// </summary>
public partial class DashboardStatsProjection : MultiStreamProjection<DashboardStats, string>
{
    public DashboardStatsProjection()
    {
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
        Identity<ICaseEvent>(_ => DashboardStats.AllCases);
    }

    public override async ValueTask<DashboardStats?> EvolveAsync(
        DashboardStats? snapshot, string id, IQuerySession session, IEvent e, CancellationToken cancellation)
    {
        var stats = snapshot ?? new DashboardStats();
        switch (e.Data)
        {
            // A case leaving or rejoining the shared totals takes its whole contribution so far with it.
            case CaseRestricted:
                stats.RestrictedCases.Add(e.StreamId);
                stats.Merge(await ContributionAsync(session, e.StreamId, e.Version - 1, cancellation), -1);
                break;
            case CaseRestrictionLifted:
                stats.RestrictedCases.Remove(e.StreamId);
                stats.Merge(await ContributionAsync(session, e.StreamId, e.Version - 1, cancellation), +1);
                break;
            case var _ when stats.RestrictedCases.Contains(e.StreamId):
                break;
            case EntryRetracted retraction:
                Count(stats, await RetractedAsync(session, e.StreamId, retraction, cancellation), -1);
                break;
            default:
                Count(stats, e.Data, +1);
                break;
        }

        return stats;
    }

    /// <summary>The fact a retraction withdraws, read back from its stream (it never changes).</summary>
    public static async Task<object> RetractedAsync(IQuerySession session, Guid streamId, EntryRetracted retraction, CancellationToken ct)
    {
        var original = await session.Events.ReadStreamAsync(streamId, ct, upToVersion: retraction.EntryVersion, fromVersion: retraction.EntryVersion);
        return original.Single().Data;
    }

    /// <summary>What one case adds to the totals, from its events up to a version (all of them when null).</summary>
    public static async Task<DashboardStats> ContributionAsync(IQuerySession session, Guid caseId, long? upTo, CancellationToken ct)
    {
        var events = await session.Events.ReadStreamAsync(caseId, ct, upToVersion: upTo ?? 0);
        var byVersion = events.ToDictionary(x => x.Version);
        var contribution = new DashboardStats();
        foreach (var e in events)
        {
            if (e.Data is EntryRetracted retraction) Count(contribution, byVersion[retraction.EntryVersion].Data, -1);
            else Count(contribution, e.Data, +1);
        }

        return contribution;
    }

    /// <summary>
    /// What one fact adds to (or, with a sign of -1, takes from) the totals. Facts without a total
    /// (people are counted from the profiles; charges, verdicts and links have none; a restriction
    /// moves a case's whole contribution in EvolveAsync) fall through. Which facts those are is
    /// written down once more in a test that folds every event type, so a new kind of fact that
    /// should be counted and is not fails there rather than counting as nothing.
    /// </summary>
    public static void Count(DashboardStats stats, object fact, int sign)
    {
        switch (fact)
        {
            case CaseOpened:
                stats.Cases.Open += sign;
                break;
            case CaseClosed:
                stats.Cases.Open -= sign;
                stats.Cases.Closed += sign;
                break;
            case TipReceived x:
                Totals.Add(stats.TipsByAgency, x.FromAgency, sign);
                break;
            case ArrestMade x:
                stats.Arrests += sign;
                Totals.Add(stats.ArrestsByMonth, x.ArrestedAt.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), sign);
                break;
            case DrugsSeized x when Units.Grams.TryGetValue(x.Unit, out var factor):
                Totals.Add(stats.SeizuresGrams, Units.SubstanceKey(x.Substance), sign * x.Quantity * factor);
                break;
            case DrugsSeized x:
                Totals.AddOtherUnit(stats.SeizuresOtherUnits, Units.SubstanceKey(x.Substance), x.Unit, sign * x.Quantity);
                break;
            case SentenceHanded x:
                Totals.Add(stats.Sentences, x.Kind, sign);
                break;
            case SentenceCommuted x:
                Totals.Add(stats.Sentences, x.FromKind, -sign);
                Totals.Add(stats.Sentences, x.ToKind, sign);
                break;
            case LeadReferred x:
                stats.Referrals.SubjectsIdentified += sign * x.SubjectsIdentified;
                break;
            case ReferralOutcomeReported x:
                stats.Referrals.InvestigationsOpened += sign * x.InvestigationsOpened;
                stats.Referrals.Arrests += sign * x.Arrests;
                stats.Referrals.Indictments += sign * x.Indictments;
                break;
        }
    }
}

/// <summary>The dashboard's answer: the totals, and the number of distinct people identified in any case.</summary>
/// <param name="SeizuresConfirmedGrams">grams by substance as laboratories confirmed them: the latest result of each exhibit</param>
public record StatsView(
    CaseCounts Cases,
    long Defendants,
    int Arrests,
    IReadOnlyDictionary<string, int> ArrestsByMonth,
    IReadOnlyDictionary<string, decimal> SeizuresGrams,
    IReadOnlyDictionary<string, Dictionary<string, decimal>> SeizuresOtherUnits,
    IReadOnlyDictionary<string, int> Sentences,
    ReferralFigures Referrals,
    IReadOnlyDictionary<string, int> TipsByAgency,
    IReadOnlyDictionary<string, decimal> SeizuresConfirmedGrams,
    ExhibitFigures Exhibits);

/// <summary>Exhibits by where they are, and the discrepancies their hand-overs showed.</summary>
public record ExhibitFigures(int InCustody, int AtLab, int InCourt, int Disposed, int Discrepancies);

public static class GetStatsEndpoint
{
    /// <summary>Reads the dashboard totals.</summary>
    /// <remarks>
    /// The shared totals, plus the restricted cases this reader may see (all of them for auditors),
    /// each kept as totals of its own; restricted cases of other agencies stay out of every figure.
    /// Exhibits and confirmed grams are counted as the request is answered, from the exhibits' own
    /// read model, so they are never behind and follow need-to-know exactly as exhibit reads do.
    /// </remarks>
    [WolverineGet("/api/stats")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<StatsView>(StatusCodes.Status200OK)]
    public static async Task<StatsView> Get(IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var totals = await session.LoadAsync<DashboardStats>(DashboardStats.AllCases, ct) ?? new DashboardStats();
        var hidden = await CaseVisibility.HiddenFrom(session, http.User, ct);
        var shown = totals.RestrictedCases.Except(hidden).ToArray();
        if (shown.Length > 0)
        {
            foreach (var restricted in await session.LoadManyAsync<RestrictedCaseTotals>(ct, shown)) totals.Merge(restricted.Totals, +1);
        }

        var (exhibits, confirmed) = await ExhibitTotals(session, hidden, ct);
        return new StatsView(totals.Cases, await DistinctPeople(session, hidden, ct), totals.Arrests, totals.ArrestsByMonth, totals.SeizuresGrams,
            totals.SeizuresOtherUnits, totals.Sentences, totals.Referrals, totals.TipsByAgency, confirmed, exhibits);
    }

    /// <summary>
    /// Exhibits of the cases the reader may see, grouped in PostgreSQL: by status, and the confirmed
    /// grams by substance. An exhibit keeps its confirmed grams after its seizure is retracted (which
    /// needs it disposed of): the laboratory's finding stands whatever the seizure entry said.
    /// </summary>
    private static async Task<(ExhibitFigures, IReadOnlyDictionary<string, decimal>)> ExhibitTotals(
        IQuerySession session, IReadOnlyList<Guid> hidden, CancellationToken ct)
    {
        var hiddenCases = hidden.ToArray();
        IQueryable<ExhibitDetails> visible = hiddenCases.Length == 0
            ? session.Query<ExhibitDetails>()
            : session.Query<ExhibitDetails>().Where(x => !x.CaseId.IsOneOf(hiddenCases));

        // One round trip: a row per status and confirmed substance (none when nothing is confirmed).
        var groups = await visible
            .GroupBy(x => new { x.Status, x.ConfirmedSubstance })
            .Select(g => new ExhibitGroup(g.Key.Status, g.Key.ConfirmedSubstance, g.Count(), g.Sum(x => x.DiscrepancyCount), g.Sum(x => x.ConfirmedGrams)))
            .ToListAsync(ct);

        int Count(string status) => groups.Where(x => x.Status == status).Sum(x => x.Count);
        var figures = new ExhibitFigures(
            Count(ExhibitStatus.InCustody), Count(ExhibitStatus.AtLab), Count(ExhibitStatus.InCourt), Count(ExhibitStatus.Disposed),
            groups.Sum(x => x.Discrepancies));
        var confirmed = groups.Where(x => x.Substance is not null)
            .GroupBy(x => x.Substance!)
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Grams ?? 0));
        return (figures, confirmed);
    }

    private sealed record ExhibitGroup(string Status, string? Substance, int Count, int Discrepancies, decimal? Grams);

    /// <summary>
    /// People identified in at least one case the reader may see; a merged person is one with their
    /// survivor and is not counted again (the survivor stands for both, as their profile does).
    /// Everyone is kept counted by <see cref="PeopleCountProjection"/>; a reader with hidden cases
    /// is then told that count less the people whom only those cases name, read through the GIN
    /// index on the profiles' case ids, so the cost follows the hidden cases' people, not the store.
    /// </summary>
    private static async Task<long> DistinctPeople(IQuerySession session, IReadOnlyList<Guid> hidden, CancellationToken ct)
    {
        var everyone = (await session.LoadAsync<PeopleCount>(PeopleCount.All, ct))?.People ?? 0;
        if (hidden.Count == 0) return everyone;

        var onlyInHidden = await session.Query<DefendantProfile>()
            .Where(p => p.MatchesSql(PersonMerges.NotMerged(session.DocumentStore)))
            .Where(p => p.MatchesSql("d.case_ids <@ ?", hidden.ToArray()))
            .CountAsync(ct);
        return everyone - onlyInHidden;
    }
}
