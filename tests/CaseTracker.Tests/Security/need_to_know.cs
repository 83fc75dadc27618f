using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Security;

/// <summary>
/// A restricted case is seen and touched only by its lead and partner agencies (and auditors);
/// to everyone else it does not exist (OWASP API1).
/// </summary>
public class need_to_know(AppFixture fixture) : IntegrationContext(fixture)
{
    // Commands.OpenCase names Xingtai PSB as lead and US DHS as partner.
    private const string Lead = "Xingtai PSB";
    private const string Partner = "US Department of Homeland Security";
    private const string Foreign = "Another Bureau";

    private async Task<(Guid CaseId, Guid Person)> RestrictedCase(string name)
    {
        var caseId = await OpenCase();
        var person = (await Accepted($"/api/cases/{caseId}/defendants", new { name, aliases = new[] { $"{name} alias" } })).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(7, "kg", "restricted substance"));
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "Informant protection" }).ToUrl($"/api/cases/{caseId}/restriction");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));
        });
        return (caseId, person);
    }

    [Fact]
    public async Task a_restricted_case_is_404_to_a_foreign_reader_even_when_they_name_its_current_version()
    {
        var (caseId, _) = await RestrictedCase("Etag Probe");
        var version = await StreamVersion(caseId);

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithRequestHeader("If-None-Match", $"\"{version}\"");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst, "foreign-analyst", Foreign));
            x.StatusCodeShouldBe(404);
        });
    }

    [Theory]
    [InlineData(Roles.Officer, Lead, 200)]
    [InlineData(Roles.Analyst, Partner, 200)]
    [InlineData(Roles.Auditor, Foreign, 200)]
    [InlineData(Roles.Admin, Foreign, 200)]
    [InlineData(Roles.Officer, Foreign, 404)]
    [InlineData(Roles.Analyst, Foreign, 404)]
    public async Task a_restricted_case_is_read_only_by_its_agencies_and_auditors(string role, string agency, int status)
    {
        var (caseId, _) = await RestrictedCase("Zhao Restricted");

        await GetJson<CaseDetails>($"/api/cases/{caseId}", role, status, agency: agency);
        // By its reference: a page of every case can no longer be relied on to hold a new one once
        // the shared database holds more cases than a page.
        var reference = (await GetCase(caseId, Roles.Auditor)).Reference;
        var list = await GetJson<CasePage>($"/api/cases?reference={Uri.EscapeDataString(reference)}", role, agency: agency);
        (list.Items.Any(x => x.CaseId == caseId) ? 200 : 404).ShouldBe(status);
    }

    [Fact]
    public async Task officers_of_other_agencies_cannot_write_to_a_restricted_case()
    {
        var (caseId, person) = await RestrictedCase("Qian Restricted");
        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));

        await Refused($"/api/cases/{caseId}/tips", Commands.Tip(), 404, caseId, more: Foreigner);
        await Refused($"/api/cases/{caseId}/arrests", Commands.Arrest(person), 404, caseId, more: Foreigner);
        await Refused($"/api/cases/{caseId}/restriction/lifting", new { reason = "curious" }, 404, caseId, more: Foreigner);
        await Refused($"/api/cases/{caseId}/closure", Commands.Closure(), 404, caseId, more: Foreigner);

        await Host.Scenario(x =>
        {
            x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "partner-officer", Partner));
        });
    }

    [Fact]
    public async Task only_the_cases_own_agencies_restrict_and_lift_it()
    {
        var caseId = await OpenCase();
        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));
        void Leader(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));

        await Refused($"/api/cases/{caseId}/restriction", new { reason = "mine now" }, 403, caseId, more: Foreigner);
        await Refused($"/api/cases/{caseId}/restriction/lifting", new { reason = "not restricted" }, 409, caseId, more: Leader);
        await Accepted($"/api/cases/{caseId}/restriction", new { reason = "Informant protection" }, Leader);
        await Refused($"/api/cases/{caseId}/restriction", new { reason = "again" }, 409, caseId, more: Leader);
        await GetJson<CaseDetails>($"/api/cases/{caseId}", Roles.Analyst, 404, agency: Foreign);

        await Accepted($"/api/cases/{caseId}/restriction/lifting", new { reason = "Trial is public" }, Leader);
        (await GetJson<CaseDetails>($"/api/cases/{caseId}", Roles.Analyst, agency: Foreign)).Restricted.ShouldBeFalse();
    }

    [Fact]
    public async Task profiles_and_search_leave_out_what_only_restricted_cases_say()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var (restricted, person) = await RestrictedCase($"Sun {marker}");
        var open = await OpenCase();
        await Accepted($"/api/cases/{open}/defendants", new { defendantId = person, aliases = new[] { $"Open {marker}" } },
            x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead)));
        var (_, hiddenPerson) = await RestrictedCase($"Liang {marker}");
        await ProjectionsCaughtUp();

        var foreignView = await GetJson<DefendantProfile>($"/api/defendants/{person}", Roles.Analyst, agency: Foreign);
        foreignView.Cases.Select(c => c.CaseId).ShouldBe([open]);
        foreignView.Names.ShouldBe([$"Sun {marker}"]);
        foreignView.Aliases.ShouldBe([$"Open {marker}"], "the alias recorded only in the restricted case stays hidden");
        await GetJson<DefendantProfile>($"/api/defendants/{hiddenPerson}", Roles.Analyst, 404, agency: Foreign);

        var ownView = await GetJson<DefendantProfile>($"/api/defendants/{person}", Roles.Analyst, agency: Lead);
        ownView.Cases.Select(c => c.CaseId).ShouldBe([restricted, open], ignoreOrder: true);

        (await GetJson<DefendantPage>($"/api/defendants?name=liang {marker}", Roles.Analyst, agency: Foreign)).Items.ShouldBeEmpty();
        (await GetJson<DefendantPage>($"/api/defendants?name=sun {marker} alias", Roles.Analyst, agency: Foreign)).Items.ShouldBeEmpty();
        (await GetJson<DefendantPage>($"/api/defendants?name=liang {marker}", Roles.Auditor, agency: Foreign)).Items.Single().DefendantId.ShouldBe(hiddenPerson);
    }

    [Fact]
    public async Task restricted_cases_count_in_the_totals_only_for_those_who_may_see_them()
    {
        await ProjectionsCaughtUp();
        var foreignBefore = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Foreign);
        var auditorBefore = await GetJson<StatsView>("/api/stats", Roles.Auditor, agency: Foreign);

        var (_, person) = await RestrictedCase("Zhou Restricted");
        await ProjectionsCaughtUp();

        var foreignAfter = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Foreign);
        foreignAfter.Cases.Open.ShouldBe(foreignBefore.Cases.Open);
        foreignAfter.Defendants.ShouldBe(foreignBefore.Defendants);
        foreignAfter.SeizuresGrams.GetValueOrDefault("restricted substance").ShouldBe(foreignBefore.SeizuresGrams.GetValueOrDefault("restricted substance"));

        var auditorAfter = await GetJson<StatsView>("/api/stats", Roles.Auditor, agency: Foreign);
        (auditorAfter.Cases.Open - auditorBefore.Cases.Open).ShouldBe(1);
        (auditorAfter.Defendants - auditorBefore.Defendants).ShouldBe(1);
        (auditorAfter.SeizuresGrams["restricted substance"] - auditorBefore.SeizuresGrams.GetValueOrDefault("restricted substance")).ShouldBe(7000m);

        var leadAfter = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Lead);
        leadAfter.SeizuresGrams["restricted substance"].ShouldBe(auditorAfter.SeizuresGrams["restricted substance"]);

        // Identified again in a case the foreign reader may see: now counted for them, once.
        var open = await OpenCase();
        await Accepted($"/api/cases/{open}/defendants", new { defendantId = person },
            x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead)));
        await ProjectionsCaughtUp();
        (await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Foreign)).Defendants.ShouldBe(foreignBefore.Defendants + 1);
        (await GetJson<StatsView>("/api/stats", Roles.Auditor, agency: Foreign)).Defendants.ShouldBe(auditorAfter.Defendants);
    }

    [Fact]
    public async Task a_nationality_given_only_in_a_restricted_case_stays_hidden_from_other_agencies()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var open = await OpenCase();
        var person = (await Accepted($"/api/cases/{open}/defendants", new { name = $"Wu {marker}" })).EntryId!.Value;
        var (restricted, _) = await RestrictedCase($"Other {marker}");
        await Host.Scenario(x =>
        {
            x.Post.Json(new { defendantId = person, nationality = $"Secretland {marker}" }).ToUrl($"/api/cases/{restricted}/defendants");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));
        });
        await ProjectionsCaughtUp();

        (await GetJson<DefendantProfile>($"/api/defendants/{person}", Roles.Analyst, agency: Foreign)).Nationality.ShouldBeNull();
        (await GetJson<DefendantProfile>($"/api/defendants/{person}", Roles.Analyst, agency: Lead)).Nationality.ShouldBe($"Secretland {marker}");
    }

    [Fact]
    public async Task a_person_known_only_from_a_hidden_case_cannot_be_identified_by_id_and_answers_like_an_unknown_one()
    {
        var (_, hidden) = await RestrictedCase("Hidden Person");
        var own = await OpenCase();
        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));

        var refused = await Refused($"/api/cases/{own}/defendants", new { defendantId = hidden }, 404, own, more: Foreigner);
        var unknown = Guid.NewGuid();
        var unknownRefused = await Refused($"/api/cases/{own}/defendants", new { defendantId = unknown }, 404, own, more: Foreigner);

        Comparable(refused, hidden).ShouldBe(Comparable(unknownRefused, unknown));
    }

    [Fact]
    public async Task identifying_a_person_by_id_copies_only_what_the_officer_may_see()
    {
        // First seen in a case that is now restricted; then, by a lead officer, in an open one.
        var marker = Guid.NewGuid().ToString("N")[..8];
        var (_, person) = await RestrictedCase($"Secret name {marker}");
        var open = await OpenCase();
        await Accepted($"/api/cases/{open}/defendants",
            new { defendantId = person, name = $"Ma {marker}", aliases = new[] { $"Open alias {marker}" }, nationality = "CN" },
            x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead)));

        var own = await OpenCase();
        await Accepted($"/api/cases/{own}/defendants", new { defendantId = person },
            x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign)));

        var copied = (await GetCase(own)).Defendants.Single();
        (copied.Name, copied.Nationality).ShouldBe(($"Ma {marker}", "CN"));
        copied.Aliases.ShouldBe([$"Open alias {marker}"]);
    }

    [Fact]
    public async Task a_restricted_case_and_an_unknown_one_answer_every_command_and_read_alike()
    {
        var (restricted, person) = await RestrictedCase("Oracle Probe");
        var unknown = Guid.NewGuid();
        var entry = Guid.NewGuid();
        var probes = new (string Route, object Body)[]
        {
            ("tips", Commands.Tip()), ("defendants", new { name = "Someone" }), ("arrests", Commands.Arrest(person)),
            ("seizures", Commands.Seizure()), ("charges", Commands.Charge(person)), ("verdicts", Commands.Verdict(person, entry)),
            ("sentences", Commands.Sentence(person)), ($"sentences/{entry}/commutations", Commands.Commutation()),
            ("referrals", Commands.Referral()), ($"referrals/{entry}/outcomes", Commands.Outcome()), ("links", Commands.Link(Guid.NewGuid())),
            ("retractions", Commands.Retraction(entry)), ("restriction", new { reason = "probe" }),
            ("restriction/lifting", new { reason = "probe" }), ("closure", Commands.Closure()),
        };
        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));

        foreach (var (route, body) in probes)
        {
            var hidden = await Refused($"/api/cases/{restricted}/{route}", body, 404, restricted, more: Foreigner);
            var missing = await Refused($"/api/cases/{unknown}/{route}", body, 404, null, more: Foreigner);
            Comparable(hidden, restricted).ShouldBe(Comparable(missing, unknown), route);
            hidden["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace(route);
        }

        var read = await Host.Scenario(x => { x.Get.Url($"/api/cases/{restricted}"); Foreigner(x); x.StatusCodeShouldBe(404); });
        var readMissing = await Host.Scenario(x => { x.Get.Url($"/api/cases/{unknown}"); Foreigner(x); x.StatusCodeShouldBe(404); });
        Comparable(Problem(read), restricted).ShouldBe(Comparable(Problem(readMissing), unknown));
    }

    [Fact]
    public async Task linking_to_a_hidden_case_answers_like_linking_to_an_unknown_one()
    {
        var (restricted, _) = await RestrictedCase("Link Probe");
        var own = await OpenCase();
        var unknown = Guid.NewGuid();
        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));

        var hidden = await Refused($"/api/cases/{own}/links", Commands.Link(restricted), 404, own, more: Foreigner);
        var missing = await Refused($"/api/cases/{own}/links", Commands.Link(unknown), 404, own, more: Foreigner);

        Comparable(hidden, restricted).ShouldBe(Comparable(missing, unknown));
        (await GetCase(own)).Links.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_reference_taken_by_a_hidden_case_is_refused_without_saying_a_case_has_it()
    {
        var (restricted, _) = await RestrictedCase("Reference Probe");
        var reference = (await GetJson<CaseDetails>($"/api/cases/{restricted}", Roles.Auditor)).Reference;
        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));

        var problem = await Refused("/api/cases", Commands.OpenCase(reference), 409, null, more: Foreigner);

        var detail = problem["detail"]!.GetValue<string>();
        detail.ShouldNotContain(restricted.ToString());
        detail.ShouldNotContain("case", Shouldly.Case.Insensitive);
        detail.ShouldContain("choose another");
    }

    private static System.Text.Json.Nodes.JsonObject Problem(IScenarioResult result) =>
        System.Text.Json.Nodes.JsonNode.Parse(result.ReadAsText())!.AsObject();

    /// <summary>A problem as a caller compares two answers: everything but the trace id, the id asked about blanked.</summary>
    private static string Comparable(System.Text.Json.Nodes.JsonObject problem, Guid asked)
    {
        var copy = problem.DeepClone().AsObject();
        copy.Remove("traceId");
        return copy.ToJsonString().Replace(asked.ToString(), "{id}", StringComparison.Ordinal);
    }
}
