using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using JasperFx;
using JasperFx.Events;
using Marten;
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
    public Dictionary<string, decimal> SeizuresGrams { get; set; } = [];
    public Dictionary<string, Dictionary<string, decimal>> SeizuresOtherUnits { get; set; } = [];
    public Dictionary<string, int> Sentences { get; set; } = [];
    public ReferralFigures Referrals { get; set; } = new();
    public Dictionary<string, int> TipsByAgency { get; set; } = [];
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
        Identity<ICaseEvent>(_ => DashboardStats.AllCases);
    }

    public override async ValueTask<DashboardStats?> EvolveAsync(
        DashboardStats? snapshot, string id, IQuerySession session, IEvent e, CancellationToken cancellation)
    {
        var stats = snapshot ?? new DashboardStats();
        if (e.Data is EntryRetracted retraction)
        {
            var original = await session.Events.FetchStreamAsync(
                e.StreamId, version: retraction.EntryVersion, fromVersion: retraction.EntryVersion, token: cancellation);
            Count(stats, original.Single().Data, -1);
        }
        else
        {
            Count(stats, e.Data, +1);
        }

        return stats;
    }

    private static void Count(DashboardStats stats, object fact, int sign)
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
                Add(stats.TipsByAgency, x.FromAgency, sign);
                break;
            case ArrestMade:
                stats.Arrests += sign;
                break;
            case DrugsSeized x when Units.Grams.TryGetValue(x.Unit, out var factor):
                Add(stats.SeizuresGrams, Units.SubstanceKey(x.Substance), sign * x.Quantity * factor);
                break;
            case DrugsSeized x:
                var units = stats.SeizuresOtherUnits.TryGetValue(Units.SubstanceKey(x.Substance), out var found)
                    ? found
                    : stats.SeizuresOtherUnits[Units.SubstanceKey(x.Substance)] = [];
                Add(units, x.Unit, sign * x.Quantity);
                if (units.Count == 0) stats.SeizuresOtherUnits.Remove(Units.SubstanceKey(x.Substance));
                break;
            case SentenceHanded x:
                Add(stats.Sentences, x.Kind, sign);
                break;
            case SentenceCommuted x:
                Add(stats.Sentences, x.FromKind, -sign);
                Add(stats.Sentences, x.ToKind, sign);
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

    /// <summary>Keys whose total returns to zero are dropped, so a rebuild and a live fold agree.</summary>
    private static void Add<T>(Dictionary<string, T> totals, string key, T amount) where T : System.Numerics.INumber<T>
    {
        var total = (totals.TryGetValue(key, out var current) ? current : T.Zero) + amount;
        if (total == T.Zero) totals.Remove(key);
        else totals[key] = total;
    }
}

/// <summary>The dashboard's answer: the totals, and the number of distinct people identified in any case.</summary>
public record StatsView(
    CaseCounts Cases,
    long Defendants,
    int Arrests,
    IReadOnlyDictionary<string, decimal> SeizuresGrams,
    IReadOnlyDictionary<string, Dictionary<string, decimal>> SeizuresOtherUnits,
    IReadOnlyDictionary<string, int> Sentences,
    ReferralFigures Referrals,
    IReadOnlyDictionary<string, int> TipsByAgency);

public static class GetStatsEndpoint
{
    [WolverineGet("/api/stats")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<StatsView>(StatusCodes.Status200OK)]
    public static async Task<StatsView> Get(IQuerySession session, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var stats = batch.Load<DashboardStats>(DashboardStats.AllCases);
        var defendants = batch.Query<DefendantProfile>().Count();
        await batch.Execute(ct);

        var totals = await stats ?? new DashboardStats();
        return new StatsView(totals.Cases, await defendants, totals.Arrests, totals.SeizuresGrams, totals.SeizuresOtherUnits,
            totals.Sentences, totals.Referrals, totals.TipsByAgency);
    }
}
