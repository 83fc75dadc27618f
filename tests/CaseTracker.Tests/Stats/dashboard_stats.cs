using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Stats;

/// <summary>
/// The totals span every case in the database, so these tests compare totals before and after
/// their own commands (tests in one collection never run at the same time).
/// </summary>
public class dashboard_stats(AppFixture fixture) : IntegrationContext(fixture)
{
    private async Task<StatsView> Stats()
    {
        await ProjectionsCaughtUp();
        return await GetJson<StatsView>("/api/stats");
    }

    [Fact]
    public async Task every_command_shows_in_the_totals_and_retractions_and_commutations_change_them()
    {
        var before = await Stats();
        var agency = $"Agency {Guid.NewGuid():N}";

        var caseId = await OpenCase();
        var closedCase = await OpenCase();
        await Accepted($"/api/cases/{closedCase}/closure", Commands.Closure());
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip().With("fromAgency", agency));
        var liu = await IdentifyDefendant(caseId, "Liu Yong");
        var jiang = await IdentifyDefendant(caseId, "Jiang Juhua");
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(liu));
        var wrongArrest = (await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(jiang))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(11.9m, "kg", "fentanyl"));
        var wrongSeizure = (await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(5, "g", "fentanyl"))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(300, "tablets", "pills"));
        var death = (await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(liu, "death-with-reprieve", null, 2))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(jiang, "life", null));
        await Accepted($"/api/cases/{caseId}/sentences/{death}/commutations", Commands.Commutation("life"));
        var referral = (await Accepted($"/api/cases/{caseId}/referrals", Commands.Referral(50))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/referrals/{referral}/outcomes", Commands.Outcome(25, 3, 3));
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(wrongArrest));
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(wrongSeizure));

        var after = await Stats();

        (after.Cases.Open - before.Cases.Open).ShouldBe(1);
        (after.Cases.Closed - before.Cases.Closed).ShouldBe(1);
        (after.Defendants - before.Defendants).ShouldBe(2);
        (after.Arrests - before.Arrests).ShouldBe(1, "the retracted arrest is taken away again");
        (after.SeizuresGrams["fentanyl"] - before.SeizuresGrams.GetValueOrDefault("fentanyl")).ShouldBe(11900m);
        (after.SeizuresOtherUnits["pills"]["tablets"] - (before.SeizuresOtherUnits.GetValueOrDefault("pills")?.GetValueOrDefault("tablets") ?? 0)).ShouldBe(300m);
        (after.Sentences.GetValueOrDefault("life") - before.Sentences.GetValueOrDefault("life")).ShouldBe(2, "the commuted sentence counts in its current form");
        after.Sentences.GetValueOrDefault("death-with-reprieve").ShouldBe(before.Sentences.GetValueOrDefault("death-with-reprieve"));
        (after.Referrals.SubjectsIdentified - before.Referrals.SubjectsIdentified).ShouldBe(50);
        (after.Referrals.InvestigationsOpened - before.Referrals.InvestigationsOpened).ShouldBe(25);
        (after.Referrals.Indictments - before.Referrals.Indictments).ShouldBe(3);
        after.TipsByAgency[agency].ShouldBe(1);
    }

    [Fact]
    public async Task retracting_a_commutation_counts_the_sentence_in_its_former_kind_again()
    {
        var caseId = await OpenCase();
        var liu = await IdentifyDefendant(caseId);
        var sentence = (await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(liu, "death-with-reprieve", null, 2))).EntryId!.Value;
        var before = await Stats();

        var commutation = (await Accepted($"/api/cases/{caseId}/sentences/{sentence}/commutations", Commands.Commutation("life"))).EntryId!.Value;
        var commuted = await Stats();
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(commutation));
        var restored = await Stats();

        (commuted.Sentences.GetValueOrDefault("death-with-reprieve") - before.Sentences["death-with-reprieve"]).ShouldBe(-1);
        restored.Sentences.ShouldBe(before.Sentences);
    }
}
