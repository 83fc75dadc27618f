using CaseTracker.Api.Cases;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;

namespace CaseTracker.Api.Stats;

/// <summary>
/// What one restricted case adds to the dashboard's totals, kept while it is restricted: the shared
/// totals leave it out, and a reader who may see it has it added, read rather than folded from its
/// events on every request.
/// </summary>
public class RestrictedCaseTotals
{
    public Guid Id { get; set; }
    public DashboardStats Totals { get; set; } = new();
}

/// <summary>
/// Keeps <see cref="RestrictedCaseTotals"/> beside <see cref="DashboardStatsProjection"/>, with the
/// same steps: a restriction folds the case's contribution so far (as the shared totals take it
/// away), each later fact of the case is counted into it, and lifting the restriction deletes it
/// (as the shared totals take it back). A page of events is applied at once: the rows of its
/// cases are read in one query, changed in event order, and written back.
/// </summary>
public partial class RestrictedCaseTotalsProjection : ProjectionBase, IProjection
{
    public RestrictedCaseTotalsProjection()
    {
        Name = "RestrictedCaseTotals";
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
        RegisterPublishedType(typeof(RestrictedCaseTotals));
        Options.DeleteViewTypeOnTeardown<RestrictedCaseTotals>();
    }

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var cases = events.Where(e => e.Data is ICaseEvent).Select(e => e.StreamId).Distinct().ToArray();
        if (cases.Length == 0) return;

        var kept = (await operations.LoadManyAsync<RestrictedCaseTotals>(cancellation, cases)).ToDictionary(x => x.Id);
        var changed = new HashSet<Guid>();
        foreach (var e in events.Where(e => e.Data is ICaseEvent))
        {
            switch (e.Data)
            {
                case CaseRestricted:
                    kept[e.StreamId] = new RestrictedCaseTotals
                    {
                        Id = e.StreamId,
                        Totals = await DashboardStatsProjection.ContributionAsync(operations, e.StreamId, e.Version - 1, cancellation),
                    };
                    break;
                case CaseRestrictionLifted:
                    kept.Remove(e.StreamId);
                    break;
                case var _ when !kept.TryGetValue(e.StreamId, out _):
                    continue;
                case EntryRetracted retraction:
                    DashboardStatsProjection.Count(kept[e.StreamId].Totals,
                        await DashboardStatsProjection.RetractedAsync(operations, e.StreamId, retraction, cancellation), -1);
                    break;
                default:
                    DashboardStatsProjection.Count(kept[e.StreamId].Totals, e.Data, +1);
                    break;
            }

            changed.Add(e.StreamId);
        }

        foreach (var caseId in changed)
        {
            if (kept.TryGetValue(caseId, out var totals)) operations.Store(totals);
            else operations.Delete<RestrictedCaseTotals>(caseId);
        }
    }
}
