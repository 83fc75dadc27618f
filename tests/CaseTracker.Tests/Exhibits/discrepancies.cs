using CaseTracker.Api.Exhibits;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exhibits;

/// <summary>A broken seal or a weight that moved is recorded and shown, never refused.</summary>
public class discrepancies(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task a_broken_seal_and_a_weight_that_moved_are_recorded_and_flagged()
    {
        var caseId = await OpenCase();
        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(await RecordSeizure(caseId), grossGrams: 1000m));

        await Accepted($"/api/exhibits/{exhibitId}/transfers", Commands.Transfer(
            Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00", sealIntact: false, observedGrossGrams: 987.25m));

        var exhibit = await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}");
        exhibit.Status.ShouldBe("at-lab", "the transfer is recorded all the same");
        exhibit.Custody.Single().SealIntact.ShouldBeFalse();
        exhibit.Discrepancies.Select(d => d.Kind).ShouldBe(["seal", "weight"]);
        exhibit.Discrepancies.ShouldAllBe(d => d.At == DateTimeOffset.Parse("2018-08-10T09:00:00+08:00"));
        exhibit.Discrepancies[0].Detail.ShouldBe($"seal {exhibit.SealNumber} was found broken");
        exhibit.Discrepancies[1].Detail.ShouldBe("weighed 987.25 g gross against 1000 g logged (-12.75 g, -1.28%)");
    }

    [Theory]
    [InlineData(1000, 1010, false)]      // exactly 1%: not beyond it
    [InlineData(1000, 1010.01, true)]
    [InlineData(1000, 989.9, true)]
    [InlineData(20, 20.5, false)]        // 2.5%, but only 0.5 g
    [InlineData(20, 20.6, true)]
    [InlineData(100000, 100900, false)]  // 900 g, but under 1%
    public async Task a_weight_is_a_discrepancy_only_beyond_both_one_percent_and_half_a_gram(double logged, double observed, bool flagged)
    {
        var caseId = await OpenCase();
        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(await RecordSeizure(caseId), grossGrams: (decimal)logged));

        await Accepted($"/api/exhibits/{exhibitId}/transfers", Commands.Transfer(
            Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00", observedGrossGrams: (decimal)observed));

        (await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}")).Discrepancies.Any(d => d.Kind == "weight").ShouldBe(flagged);
    }

    [Fact]
    public void the_rule_compares_with_the_weight_logged_not_the_last_one_observed()
    {
        var exhibit = new Exhibit { SealNumber = "S-1", GrossGrams = 1000m };

        TransferCustodyEndpoint.Discrepancies(exhibit, sealIntact: true, observedGrossGrams: null).ShouldBeEmpty();
        TransferCustodyEndpoint.Discrepancies(exhibit, sealIntact: true, observedGrossGrams: 1020m).Single().Kind.ShouldBe(Discrepancy.Weight);
        TransferCustodyEndpoint.Discrepancies(exhibit, sealIntact: false, observedGrossGrams: 1000m).Single().Kind.ShouldBe(Discrepancy.Seal);
    }
}
