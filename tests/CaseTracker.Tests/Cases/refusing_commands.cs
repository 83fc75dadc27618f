using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Cases;

/// <summary>Every rule of a command's shape and of the case's state: 4xx problem+json, nothing appended.</summary>
public class refusing_commands(AppFixture fixture) : IntegrationContext(fixture)
{
    public static TheoryData<string, string, object?, string> ShapeErrors => new()
    {
        // route, field, bad value (null = missing), the error key expected
        { "tips", "fromAgency", null, "fromAgency" },
        { "tips", "summary", "   ", "summary" },
        { "tips", "receivedAt", null, "receivedAt" },
        { "tips", "receivedAt", "1850-01-01T00:00:00Z", "receivedAt" },
        { "tips", "receivedAt", "2999-01-01T00:00:00Z", "receivedAt" },
        { "seizures", "quantity", 0, "quantity" },
        { "seizures", "quantity", -1.5, "quantity" },
        { "seizures", "quantity", null, "quantity" },
        { "seizures", "unit", "oz", "unit" },
        { "seizures", "substance", "", "substance" },
        { "seizures", "place", null, "place" },
        { "seizures", "substance", new string('x', 201), "substance" },
        { "referrals", "subjectsIdentified", -1, "subjectsIdentified" },
        { "referrals", "subjectsIdentified", null, "subjectsIdentified" },
        { "referrals", "toAgency", null, "toAgency" },
        { "closure", "disposition", null, "disposition" },
        { "closure", "closedAt", null, "closedAt" },
        { "links", "relation", "cousin-of", "relation" },
        { "links", "linkedCaseId", null, "linkedCaseId" },
        { "retractions", "entryId", null, "entryId" },
        { "retractions", "reason", null, "reason" },
    };

    [Theory]
    [MemberData(nameof(ShapeErrors))]
    public async Task a_command_with_a_bad_field_is_refused_with_that_field_named(string route, string field, object? value, string errorKey)
    {
        var caseId = await OpenCase();
        var valid = route switch
        {
            "tips" => Commands.Tip(),
            "seizures" => Commands.Seizure(),
            "referrals" => Commands.Referral(),
            "closure" => Commands.Closure(),
            "links" => Commands.Link(await OpenCase()),
            "retractions" => Commands.Retraction(Guid.NewGuid()),
            _ => throw new ArgumentOutOfRangeException(nameof(route))
        };
        var body = value is null ? valid.Without(field) : valid.With(field, value);

        var problem = await Refused($"/api/cases/{caseId}/{route}", body, 400, caseId);

        ErrorFields(problem).ShouldContain(errorKey);
    }

    [Theory]
    [InlineData("fixed-term", null, null, "termMonths")]
    [InlineData("fixed-term", 0, null, "termMonths")]
    [InlineData("suspended", 1201, null, "termMonths")]
    [InlineData("life", 120, null, "termMonths")]
    [InlineData("death-with-reprieve", null, null, "reprieveYears")]
    [InlineData("death", null, 2, "reprieveYears")]
    [InlineData("hanging", null, null, "kind")]
    public async Task a_sentence_must_carry_exactly_the_figures_its_kind_needs(string kind, int? termMonths, int? reprieveYears, string errorKey)
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);

        var problem = await Refused($"/api/cases/{caseId}/sentences", Commands.Sentence(defendant, kind, termMonths, reprieveYears), 400, caseId);

        ErrorFields(problem).ShouldContain(errorKey);
    }

    [Fact]
    public async Task several_mistakes_are_reported_together()
    {
        var caseId = await OpenCase();

        var problem = await Refused($"/api/cases/{caseId}/seizures", new { substance = "", quantity = 0, unit = "oz" }, 400, caseId);

        ErrorFields(problem).ShouldBe(["substance", "quantity", "unit", "seizedAt", "place"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("arrests")]
    [InlineData("charges")]
    [InlineData("sentences")]
    public async Task a_command_naming_a_defendant_not_identified_in_the_case_is_404(string route)
    {
        var caseId = await OpenCase();
        var elsewhere = await IdentifyDefendant(await OpenCase());
        var body = route switch
        {
            "arrests" => Commands.Arrest(elsewhere),
            "charges" => Commands.Charge(elsewhere),
            _ => Commands.Sentence(elsewhere)
        };

        var problem = await Refused($"/api/cases/{caseId}/{route}", body, 404, caseId);

        problem["detail"]!.GetValue<string>().ShouldContain(elsewhere.ToString());
    }

    [Fact]
    public async Task a_retracted_defendant_can_no_longer_be_arrested()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(defendant));

        await Refused($"/api/cases/{caseId}/arrests", Commands.Arrest(defendant), 404, caseId);
    }

    [Fact]
    public async Task a_verdict_must_name_a_charge_against_that_defendant_and_only_once()
    {
        var caseId = await OpenCase();
        var liu = await IdentifyDefendant(caseId, "Liu Yong");
        var jiang = await IdentifyDefendant(caseId, "Jiang Juhua");
        var charge = (await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(liu))).EntryId!.Value;

        await Refused($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, Guid.NewGuid()), 404, caseId);
        ErrorFields(await Refused($"/api/cases/{caseId}/verdicts", Commands.Verdict(jiang, charge), 400, caseId)).ShouldBe(["chargeId"]);
        await Accepted($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, charge));
        await Refused($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, charge, "not-guilty"), 409, caseId);
    }

    [Fact]
    public async Task commutations_and_outcomes_need_an_existing_sentence_and_referral()
    {
        var caseId = await OpenCase();

        await Refused($"/api/cases/{caseId}/sentences/{Guid.NewGuid()}/commutations", Commands.Commutation(), 404, caseId);
        await Refused($"/api/cases/{caseId}/referrals/{Guid.NewGuid()}/outcomes", Commands.Outcome(), 404, caseId);
    }

    [Fact]
    public async Task identifying_an_unknown_or_already_identified_person_by_id_is_refused()
    {
        var caseId = await OpenCase();
        var liu = await IdentifyDefendant(caseId);

        await Refused($"/api/cases/{caseId}/defendants", new { defendantId = Guid.NewGuid() }, 404, caseId);
        await Refused($"/api/cases/{caseId}/defendants", new { defendantId = liu }, 409, caseId);
        ErrorFields(await Refused($"/api/cases/{caseId}/defendants", new { role = "courier" }, 400, caseId)).ShouldContain("name");
    }

    [Fact]
    public async Task links_need_another_existing_case_once_per_relation()
    {
        var caseId = await OpenCase();
        var other = await OpenCase();

        await Refused($"/api/cases/{caseId}/links", Commands.Link(Guid.NewGuid()), 404, caseId);
        ErrorFields(await Refused($"/api/cases/{caseId}/links", Commands.Link(caseId), 400, caseId)).ShouldBe(["linkedCaseId"]);
        await Accepted($"/api/cases/{caseId}/links", Commands.Link(other));
        await Refused($"/api/cases/{caseId}/links", Commands.Link(other), 409, caseId);
    }

    [Fact]
    public async Task retractions_need_a_standing_entry_of_this_case_with_nothing_depending_on_it()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        var arrest = (await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(defendant))).EntryId!.Value;
        var elsewhere = await IdentifyDefendant(await OpenCase());

        await Refused($"/api/cases/{caseId}/retractions", Commands.Retraction(elsewhere), 404, caseId);
        await Refused($"/api/cases/{caseId}/retractions", Commands.Retraction(defendant), 409, caseId);
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(arrest));
        await Refused($"/api/cases/{caseId}/retractions", Commands.Retraction(arrest), 409, caseId);
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(defendant));
    }

    [Fact]
    public async Task a_closed_case_refuses_every_command_with_409()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        await Accepted($"/api/cases/{caseId}/closure", Commands.Closure());

        await Refused($"/api/cases/{caseId}/tips", Commands.Tip(), 409, caseId);
        await Refused($"/api/cases/{caseId}/arrests", Commands.Arrest(defendant), 409, caseId);
        await Refused($"/api/cases/{caseId}/closure", Commands.Closure(), 409, caseId);

        // The rules every case command shares come before the command's own: an arrest of someone
        // never identified, a verdict on no charge, a retraction of nothing are all "closed" first.
        await Refused($"/api/cases/{caseId}/arrests", Commands.Arrest(Guid.NewGuid()), 409, caseId);
        await Refused($"/api/cases/{caseId}/verdicts", Commands.Verdict(defendant, Guid.NewGuid()), 409, caseId);
        await Refused($"/api/cases/{caseId}/retractions", Commands.Retraction(Guid.NewGuid()), 409, caseId);
        await Refused($"/api/cases/{caseId}/links", Commands.Link(Guid.NewGuid()), 409, caseId);
    }

    [Fact]
    public async Task a_command_on_an_unknown_case_is_404()
    {
        var problem = await Refused($"/api/cases/{Guid.NewGuid()}/tips", Commands.Tip(), 404, null);
        problem["status"]!.GetValue<int>().ShouldBe(404);
    }

    [Fact]
    public async Task a_second_case_with_the_same_reference_is_409()
    {
        var reference = NewReference();
        await OpenCase(reference);

        await Refused("/api/cases", Commands.OpenCase(reference.ToLowerInvariant()), 409, null);
    }

    [Theory]
    [InlineData("{\"substance\": \"fentanyl\", ")]
    [InlineData("{\"substance\": \"fentanyl\", \"quantity\": \"lots\", \"unit\": \"kg\", \"seizedAt\": \"2018-08-01T06:00:00Z\", \"place\": \"x\"}")]
    [InlineData("{\"substance\": \"fentanyl\", \"quantity\": 1, \"unit\": \"kg\", \"seizedAt\": \"2018-08-01T06:00:00\", \"place\": \"x\"}")]
    [InlineData("{\"substance\": \"fentanyl\", \"quantity\": 1, \"unit\": \"kg\", \"seizedAt\": \"2018-08-01T06:00:00Z\", \"place\": \"x\", \"caseId\": \"00000000-0000-0000-0000-000000000001\"}")]
    [InlineData("[1, 2, 3]")]
    public async Task malformed_json_wrong_types_times_without_offset_and_unknown_properties_are_400(string json)
    {
        var caseId = await OpenCase();
        var before = await StreamVersion(caseId);

        await Host.Scenario(x =>
        {
            x.Post.Text(json).ToUrl($"/api/cases/{caseId}/seizures");
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.StatusCodeShouldBe(400);
            x.ContentTypeShouldBe("application/problem+json");
        });

        (await StreamVersion(caseId)).ShouldBe(before);
    }

    [Fact]
    public async Task a_body_over_64_KiB_is_413()
    {
        var caseId = await OpenCase();

        await Refused($"/api/cases/{caseId}/tips", Commands.Tip().With("summary", new string('x', 70 * 1024)), 413, caseId);
    }
}
