using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exhibits;

/// <summary>
/// The dashboard counts exhibits by status, their discrepancies and the grams laboratories
/// confirmed. The totals span every case, so these tests compare before and after their own
/// commands, on substances of their own.
/// </summary>
public class exhibits_in_the_totals(AppFixture fixture) : IntegrationContext(fixture)
{
    private async Task<StatsView> Stats()
    {
        await ProjectionsCaughtUp();
        return await GetJson<StatsView>("/api/stats");
    }

    private static ExhibitFigures Minus(ExhibitFigures after, ExhibitFigures before) => new(
        after.InCustody - before.InCustody, after.AtLab - before.AtLab, after.InCourt - before.InCourt,
        after.Disposed - before.Disposed, after.Discrepancies - before.Discrepancies);

    [Fact]
    public async Task exhibits_count_where_they_are_and_confirmed_grams_follow_the_latest_result()
    {
        var substance = $"confirmed-{Guid.NewGuid():N}"[..20];
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId, 3, "kg", substance);
        var before = await Stats();
        var stored = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/1"));
        var atLab = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/2", grossGrams: 1000m));
        var inCourt = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/3"));
        var disposed = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/4"));
        await Accepted($"/api/exhibits/{atLab}/transfers", Commands.Transfer(
            Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00", sealIntact: false, observedGrossGrams: 900m));
        await Accepted($"/api/exhibits/{inCourt}/transfers", Commands.Transfer(Commands.EvidenceStore, "Court", "court", "2019-10-30T09:00:00+08:00"));
        await Accepted($"/api/exhibits/{disposed}/disposal", Commands.Disposal());
        await Accepted($"/api/exhibits/{atLab}/lab-results", Commands.LabResult(800m, substance, "2018-08-20T16:00:00+08:00"));
        await Accepted($"/api/exhibits/{atLab}/lab-results", Commands.LabResult(850m, substance.ToUpperInvariant(), "2018-08-25T16:00:00+08:00"));
        await Refused($"/api/exhibits/{disposed}/lab-results", Commands.LabResult(1000m, substance), 409, disposed);
        await Accepted($"/api/exhibits/{stored}/lab-results", Commands.LabResult(950m, substance));

        var after = await Stats();

        Minus(after.Exhibits, before.Exhibits).ShouldBe(new ExhibitFigures(InCustody: 1, AtLab: 1, InCourt: 1, Disposed: 1, Discrepancies: 2));
        after.SeizuresConfirmedGrams[substance].ShouldBe(850m + 950m, "the latest result of each exhibit; nothing is recorded after a disposal");
        after.SeizuresGrams[substance].ShouldBe(3000m, "what was seized stays as recorded");
    }

    [Fact]
    public async Task a_retracted_seizure_takes_its_grams_out_but_its_disposed_exhibits_keep_their_confirmed_grams()
    {
        var substance = $"retracted-{Guid.NewGuid():N}"[..20];
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId, 2, "kg", substance);
        var kept = await RecordSeizure(caseId, 1, "kg", substance);
        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/1"));
        var other = await LogExhibit(caseId, Commands.Exhibit(kept, "XT-2/1"));
        await Accepted($"/api/exhibits/{exhibitId}/lab-results", Commands.LabResult(1900m, substance));
        await Accepted($"/api/exhibits/{other}/lab-results", Commands.LabResult(950m, substance));
        await Accepted($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal());
        var before = await Stats();

        // Retracting an unrelated entry changes nothing; the seizure, once its exhibits are disposed of, may go.
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction((await Accepted($"/api/cases/{caseId}/tips", Commands.Tip())).EntryId!.Value));
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(seizure));
        var after = await Stats();

        (before.SeizuresGrams[substance], after.SeizuresGrams[substance]).ShouldBe((3000m, 1000m));
        after.SeizuresConfirmedGrams[substance].ShouldBe(before.SeizuresConfirmedGrams[substance]);
        after.SeizuresConfirmedGrams[substance].ShouldBe(2850m);
        var details = await GetCase(caseId);
        details.Seizures.Single().ConfirmedTotals.ShouldBe(new Dictionary<string, decimal> { [substance] = 950m },
            "the case shows confirmed grams under the seizures that stand");
    }
}
