using CaseTracker.Api.Defendants;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Defendants;

public class defendant_profiles(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task one_person_in_two_cases_has_one_profile_spanning_both()
    {
        var first = await OpenCase();
        var second = await OpenCase();
        var name = $"Wang Fengxi {Guid.NewGuid():N}"[..24];
        var wang = (await Accepted($"/api/cases/{first}/defendants", new { name, aliases = new[] { "Boss Wang" }, nationality = "CN" })).EntryId!.Value;
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = wang, role = "courier" });
        await Accepted($"/api/cases/{first}/arrests", Commands.Arrest(wang));
        var charge = (await Accepted($"/api/cases/{second}/charges", Commands.Charge(wang))).EntryId!.Value;
        await Accepted($"/api/cases/{second}/verdicts", Commands.Verdict(wang, charge));
        var sentence = (await Accepted($"/api/cases/{second}/sentences", Commands.Sentence(wang, "death-with-reprieve", null, 2))).EntryId!.Value;
        await Accepted($"/api/cases/{second}/sentences/{sentence}/commutations", Commands.Commutation("life"));

        await ProjectionsCaughtUp();
        var profile = await GetJson<DefendantProfile>($"/api/defendants/{wang}");

        profile.Names.ShouldBe([name]);
        profile.Aliases.ShouldBe(["Boss Wang"]);
        profile.Cases.Select(c => c.CaseId).ShouldBe([first, second]);
        profile.Arrests.Single().CaseId.ShouldBe(first);
        profile.Charges.Single().CaseId.ShouldBe(second);
        profile.Sentences.Single().Sentence.Kind.ShouldBe("life", "a commutation replaces the kind");
        profile.Sentences.Single().Sentence.Commutations.Single().FromKind.ShouldBe("death-with-reprieve");
        profile.Status.ShouldBe("sentenced");

        // What the profile keeps for PostgreSQL's indexes is no part of the answer.
        var answer = await GetJson<System.Text.Json.Nodes.JsonObject>($"/api/defendants/{wang}");
        answer.Select(x => x.Key).ShouldNotContain("searchText");
        answer.Select(x => x.Key).ShouldNotContain("matchText");

        var unknown = Guid.NewGuid();
        var problem = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/defendants/{unknown}");
            x.WithBearerToken(Fixture.TokenFor(Api.Auth.Roles.Analyst));
            x.StatusCodeShouldBe(404);
        });
        System.Text.Json.Nodes.JsonNode.Parse(problem.ReadAsText())!["detail"]!.GetValue<string>()
            .ShouldBe($"No defendant {unknown} has been identified in any case.", "no point in time was asked for");
    }

    [Fact]
    public async Task retracted_entries_leave_the_profile_and_the_last_retracted_identification_removes_it()
    {
        var first = await OpenCase();
        var second = await OpenCase();
        var jiang = await IdentifyDefendant(first, "Jiang Juhua");
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = jiang });
        var arrest = (await Accepted($"/api/cases/{first}/arrests", Commands.Arrest(jiang))).EntryId!.Value;
        await Accepted($"/api/cases/{first}/retractions", Commands.Retraction(arrest));

        await ProjectionsCaughtUp();
        var profile = await GetJson<DefendantProfile>($"/api/defendants/{jiang}");
        profile.Arrests.ShouldBeEmpty();
        profile.Status.ShouldBe("identified");

        await Accepted($"/api/cases/{first}/retractions", Commands.Retraction(jiang));
        await ProjectionsCaughtUp();
        (await GetJson<DefendantProfile>($"/api/defendants/{jiang}")).Cases.Single().CaseId.ShouldBe(second);

        await Accepted($"/api/cases/{second}/retractions", Commands.Retraction(jiang));
        await ProjectionsCaughtUp();
        await GetJson<object>($"/api/defendants/{jiang}", status: 404);
    }

    [Fact]
    public async Task defendants_are_found_by_part_of_a_name_or_alias_whatever_the_case()
    {
        var caseId = await OpenCase();
        var marker = Guid.NewGuid().ToString("N")[..8];
        var liu = (await Accepted($"/api/cases/{caseId}/defendants", new { name = $"Liu Yong {marker}", aliases = new[] { $"Diana{marker}" } })).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/defendants", new { name = $"Someone Else {marker}x" });

        await ProjectionsCaughtUp();

        var byAlias = await GetJson<DefendantPage>($"/api/defendants?name=DIANA{marker.ToUpperInvariant()}");
        byAlias.Items.Select(x => x.DefendantId).ShouldBe([liu]);
        var byName = await GetJson<DefendantPage>($"/api/defendants?name=liu yong {marker}");
        byName.Items.Select(x => x.DefendantId).ShouldBe([liu]);
    }
}
