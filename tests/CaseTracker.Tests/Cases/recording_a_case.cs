using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Cases;

public class recording_a_case(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task opening_a_case_answers_201_with_location_and_version_1()
    {
        var reference = NewReference();
        var result = await Post("/api/cases", Commands.OpenCase(reference.ToLowerInvariant()), 201);

        var accepted = Read<CommandAccepted>(result);
        accepted.Version.ShouldBe(1);
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/cases/{accepted.CaseId}");

        var details = await GetCase(accepted.CaseId);
        details.Reference.ShouldBe(reference, "references are stored upper-cased");
        details.Status.ShouldBe("open");
        details.Version.ShouldBe(1);
        details.Agencies.ShouldBe(["Xingtai PSB", "US Department of Homeland Security"]);
    }

    [Fact]
    public async Task the_whole_life_of_a_case_shows_in_its_read_model()
    {
        var caseId = await OpenCase();
        var linkedId = await OpenCase();
        var tip = await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        var liu = await IdentifyDefendant(caseId, "Liu Yong");
        var jiang = await IdentifyDefendant(caseId, "Jiang Juhua");
        var arrest = await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(liu));
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(jiang));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(11.9m, "kg"));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(2, "lb", "Other drugs"));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(300, "tablets", "pills"));
        var liuCharge = await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(liu));
        var jiangCharge = await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(jiang));
        await Accepted($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, liuCharge.EntryId!.Value));
        await Accepted($"/api/cases/{caseId}/verdicts", Commands.Verdict(jiang, jiangCharge.EntryId!.Value));
        var death = await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(liu, "death-with-reprieve", null, 2));
        await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(jiang, "life", null));
        var commuted = await Accepted($"/api/cases/{caseId}/sentences/{death.EntryId}/commutations", Commands.Commutation("life"));
        var referral = await Accepted($"/api/cases/{caseId}/referrals", Commands.Referral(50));
        await Accepted($"/api/cases/{caseId}/referrals/{referral.EntryId}/outcomes", Commands.Outcome(25, 3, 3));
        var link = await Accepted($"/api/cases/{caseId}/links", Commands.Link(linkedId).With("occurredAt", "2019-11-08T00:00:00Z"));
        var closed = await Accepted($"/api/cases/{caseId}/closure", Commands.Closure());

        closed.Version.ShouldBe(20);
        // Each answer names the entry it created under the kind's own name.
        tip.Created!.Value.Name.ShouldBe("tipId");
        arrest.Created!.Value.Name.ShouldBe("arrestId");
        death.Created!.Value.Name.ShouldBe("sentenceId");
        commuted.Created!.Value.Name.ShouldBe("commutationId");
        referral.Created!.Value.Name.ShouldBe("referralId");
        link.Created!.Value.Name.ShouldBe("linkId");
        closed.Created.ShouldBeNull();

        var details = await GetCase(caseId);
        details.Version.ShouldBe(20);
        details.Status.ShouldBe("closed");
        details.Disposition.ShouldBe("Nine defendants sentenced");
        details.Tips.Single().SubjectAlias.ShouldBe("Diana");
        details.Defendants.Select(d => (d.Name, d.Status)).ShouldBe([("Liu Yong", "sentenced"), ("Jiang Juhua", "sentenced")]);
        details.Arrests.Select(a => a.ArrestId).ShouldContain(arrest.EntryId!.Value);
        details.SeizureTotals["fentanyl"].ShouldBe(11900m);
        details.SeizureTotals["other drugs"].ShouldBe(907.18474m, "2 lb is exactly 907.18474 g");
        details.SeizureOtherUnits["pills"]["tablets"].ShouldBe(300m);
        details.Charges.Count.ShouldBe(2);
        details.Verdicts.ShouldAllBe(v => v.Verdict == "guilty");

        var liuSentence = details.Sentences.Single(s => s.DefendantId == liu);
        liuSentence.Kind.ShouldBe("life", "the commutation is the sentence's current form");
        liuSentence.OriginalKind.ShouldBe("death-with-reprieve");
        liuSentence.Commutations.Single().FromKind.ShouldBe("death-with-reprieve");

        var referralView = details.Referrals.Single();
        (referralView.SubjectsIdentified, referralView.InvestigationsOpened, referralView.Arrests, referralView.Indictments)
            .ShouldBe((50, 25, 3, 3));
        details.Links.Single().LinkedCaseId.ShouldBe(linkedId);
        details.LastOccurredAt.ShouldBe(DateTimeOffset.Parse("2021-11-07T10:00:00+08:00"), "the latest business time is the commutation");
    }

    [Fact]
    public async Task defendant_status_follows_arrests_charges_and_verdicts()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        async Task<string> Status() => (await GetCase(caseId)).Defendants.Single().Status;

        (await Status()).ShouldBe("identified");
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(defendant));
        (await Status()).ShouldBe("arrested");
        var charge = await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(defendant));
        (await Status()).ShouldBe("charged");
        var verdict = await Accepted($"/api/cases/{caseId}/verdicts", Commands.Verdict(defendant, charge.EntryId!.Value, "not-guilty"));
        (await Status()).ShouldBe("acquitted");
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(verdict.EntryId!.Value));
        (await Status()).ShouldBe("charged", "a retracted verdict no longer counts");
    }

    [Fact]
    public async Task a_retracted_entry_leaves_the_read_model_but_not_the_history()
    {
        var caseId = await OpenCase();
        var seizure = await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(5, "g"));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(1, "kg"));
        var retraction = await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(seizure.EntryId!.Value));

        retraction.Created!.Value.Name.ShouldBe("retractionId");
        var details = await GetCase(caseId);
        details.Seizures.ShouldNotContain(s => s.SeizureId == seizure.EntryId);
        details.SeizureTotals["fentanyl"].ShouldBe(1000m);

        await using var session = Fixture.Store.QuerySession();
        var history = await session.Events.FetchStreamAsync(caseId);
        history.Select(e => e.Data.GetType().Name).ShouldBe(["CaseOpened", "DrugsSeized", "DrugsSeized", "EntryRetracted"]);
    }

    [Fact]
    public async Task the_same_person_can_be_identified_in_a_second_case_by_id()
    {
        var first = await OpenCase();
        var second = await OpenCase();
        var liu = await IdentifyDefendant(first, "Liu Yong");

        var again = await Accepted($"/api/cases/{second}/defendants", new { defendantId = liu, role = "manufacturer" });

        again.EntryId.ShouldBe(liu);
        var defendant = (await GetCase(second)).Defendants.Single();
        (defendant.DefendantId, defendant.Name, defendant.Role).ShouldBe((liu, "Liu Yong", "manufacturer"));
    }

    [Fact]
    public async Task the_case_list_filters_by_status_and_caps_the_page_size()
    {
        var open = await OpenCase();
        var closed = await OpenCase();
        await Accepted($"/api/cases/{closed}/closure", Commands.Closure());

        async Task<CasePage> List(string query) => Read<CasePage>(await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases{query}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst));
            x.StatusCodeShouldBe(200);
        }));

        var closedPage = await List("?status=closed&pageSize=200");
        closedPage.Items.ShouldContain(x => x.CaseId == closed);
        closedPage.Items.ShouldNotContain(x => x.CaseId == open);
        closedPage.Items.ShouldAllBe(x => x.Status == "closed");

        (await List("?status=open&pageSize=200")).Items.ShouldContain(x => x.CaseId == open);
        (await List("?pageSize=10000")).PageSize.ShouldBe(200);
    }

    [Fact]
    public async Task what_a_person_has_in_another_case_does_not_hold_back_a_retraction_here()
    {
        var first = await OpenCase();
        var second = await OpenCase();
        var liu = await IdentifyDefendant(first);
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = liu });
        await Accepted($"/api/cases/{second}/arrests", Commands.Arrest(liu));

        await Accepted($"/api/cases/{first}/retractions", Commands.Retraction(liu));
        await Refused($"/api/cases/{second}/retractions", Commands.Retraction(liu), 409, second);

        (await GetCase(first)).Defendants.ShouldBeEmpty();
        (await GetCase(second)).Defendants.Single().Status.ShouldBe("arrested");
        await Refused($"/api/cases/{first}/arrests", Commands.Arrest(liu), 404, first);
    }

    [Fact]
    public async Task after_a_commutation_is_retracted_the_next_one_starts_from_the_kind_before_it()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        var sentence = (await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(defendant, "death-with-reprieve", null, 2))).EntryId!.Value;
        var commutations = $"/api/cases/{caseId}/sentences/{sentence}/commutations";
        var mistaken = (await Accepted(commutations, Commands.Commutation("life"))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(mistaken));

        await Accepted(commutations, Commands.Commutation("fixed-term", 240));

        await using var session = Fixture.Store.QuerySession();
        var last = (await session.Events.FetchStreamAsync(caseId)).Last().Data.ShouldBeOfType<SentenceCommuted>();
        (last.FromKind, last.ToKind).ShouldBe(("death-with-reprieve", "fixed-term"));
        (await GetCase(caseId)).Sentences.Single().Kind.ShouldBe("fixed-term");
    }

    [Fact]
    public async Task a_retracted_link_can_be_made_again()
    {
        var caseId = await OpenCase();
        var other = await OpenCase();
        var link = (await Accepted($"/api/cases/{caseId}/links", Commands.Link(other))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(link));

        await Accepted($"/api/cases/{caseId}/links", Commands.Link(other));

        (await GetCase(caseId)).Links.Single().LinkedCaseId.ShouldBe(other);
    }
}
