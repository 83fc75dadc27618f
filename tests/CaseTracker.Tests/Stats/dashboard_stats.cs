using CaseTracker.Api.Auth;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Stats;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
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

    /// <summary>
    /// The people the dashboard counts, as the profiles would be counted from scratch: every profile
    /// of someone not merged into anyone, whatever the other tests of the collection left.
    /// </summary>
    private async Task<(long Kept, long Fresh)> People()
    {
        await ProjectionsCaughtUp();
        await using var session = Fixture.Store.QuerySession();
        var kept = (await session.LoadAsync<PeopleCount>(PeopleCount.All))?.People ?? 0;
        var fresh = await session.QueryAsync<long>(
            $"select count(*) from {StoreConfiguration.Schema}.mt_doc_defendantprofile d where {PersonMerges.NotMerged(Fixture.Store)}");
        return (kept, fresh.Single());
    }

    [Fact]
    public async Task the_people_count_follows_identifications_retractions_merges_and_reversals_as_a_fresh_count_would()
    {
        var first = await OpenCase();
        var second = await OpenCase();
        var (start, fresh) = await People();
        start.ShouldBe(fresh);
        var liu = await IdentifyDefendant(first, "Liu Yong");
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = liu });
        var jiang = await IdentifyDefendant(first, "Jiang Juhua");
        var wang = await IdentifyDefendant(second, "Wang Wei");
        (await People()).ShouldBe((start + 3, start + 3), "three people, one of them in two cases");

        await Accepted($"/api/cases/{first}/retractions", Commands.Retraction(liu));
        (await People()).ShouldBe((start + 3, start + 3), "still identified in the second case");
        await Accepted($"/api/cases/{second}/retractions", Commands.Retraction(wang));
        (await People()).ShouldBe((start + 2, start + 2), "no case identifies them any more");
        await IdentifyDefendant(first, "Zhao Lei");
        (await People()).ShouldBe((start + 3, start + 3), "a new person");

        var merge = Read<MergeRecorded>(await Post($"/api/defendants/{liu}/merges",
            new { mergedDefendantId = jiang, reason = "Same person", mergedAt = "2019-03-01T09:00:00+08:00" }, 200));
        (await People()).ShouldBe((start + 2, start + 2), "a merged person is counted once, with the survivor");
        await Post($"/api/defendants/{liu}/merges/{merge.MergeId}/reversal", new { reason = "Not the same", reversedAt = "2019-04-01T09:00:00+08:00" }, 200);
        (await People()).ShouldBe((start + 3, start + 3), "a reversed merge counts both again");
        await Post($"/api/defendants/{liu}/merges", new { mergedDefendantId = jiang, reason = "Same after all", mergedAt = "2019-05-01T09:00:00+08:00" }, 200);
        await Accepted($"/api/cases/{first}/retractions", Commands.Retraction(jiang));
        (await People()).ShouldBe((start + 2, start + 2), "a merged person whose profile goes was not counted anyway");
        (await GetJson<StatsView>("/api/stats", Roles.Auditor)).Defendants.ShouldBe(start + 2, "an auditor hides no case: the kept count is the answer");
    }
}
