using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Tests.Support;
using Shouldly;
using Case = Shouldly.Case;
using Xunit;

namespace CaseTracker.Tests.Http;

public class http_semantics(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task reading_a_case_answers_its_version_as_etag()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst));
            x.Header("ETag").SingleValueShouldEqual("\"2\"");
        });

        Read<CaseDetails>(result).Version.ShouldBe(2);
    }

    [Fact]
    public async Task a_reader_holding_the_current_version_gets_304_and_one_holding_an_older_one_the_case()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        Task<IScenarioResult> Read(string ifNoneMatch, int status, string etag) => Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithRequestHeader("If-None-Match", ifNoneMatch);
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst));
            x.StatusCodeShouldBe(status);
            x.Header("ETag").SingleValueShouldEqual(etag);
        });

        (await Read("\"2\"", 304, "\"2\"")).ReadAsText().ShouldBeEmpty();
        await Read("W/\"1\", \"2\"", 304, "\"2\"");
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        Read<CaseDetails>(await Read("\"2\"", 200, "\"3\"")).Tips.Count.ShouldBe(2);
    }

    [Fact]
    public async Task if_match_at_the_current_version_is_accepted_and_a_stale_one_is_412()
    {
        var caseId = await OpenCase();

        var accepted = await Accepted($"/api/cases/{caseId}/tips", Commands.Tip(), x => x.WithRequestHeader("If-Match", "\"1\""));
        accepted.Version.ShouldBe(2);

        var problem = await Refused($"/api/cases/{caseId}/tips", Commands.Tip(), 412, caseId, more: x => x.WithRequestHeader("If-Match", "\"1\""));
        problem["currentVersion"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task a_malformed_if_match_is_400()
    {
        var caseId = await OpenCase();

        var problem = await Refused($"/api/cases/{caseId}/tips", Commands.Tip(), 400, caseId, more: x => x.WithRequestHeader("If-Match", "\"latest\""));

        ErrorFields(problem).ShouldBe(["If-Match"]);
    }

    [Fact]
    public async Task parallel_writers_at_one_if_match_one_wins_the_rest_get_412()
    {
        var caseId = await OpenCase();
        const int writers = 8;

        var statuses = await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            var result = await Host.Scenario(x =>
            {
                x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
                x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
                x.WithRequestHeader("If-Match", "\"1\"");
                x.IgnoreStatusCode();
            });
            return result.Context.Response.StatusCode;
        }));

        statuses.Count(x => x == 200).ShouldBe(1);
        statuses.Count(x => x == 412).ShouldBe(writers - 1);
        (await StreamVersion(caseId)).ShouldBe(2);
    }

    [Fact]
    public async Task a_verdict_and_the_retraction_of_its_charge_racing_never_both_succeed()
    {
        // The verdict's rule reads the charge's row; it must read it under the case's stream lock,
        // or both could pass their checks and leave a verdict on a withdrawn charge.
        for (var round = 0; round < 12; round++)
        {
            var caseId = await OpenCase();
            var defendant = await IdentifyDefendant(caseId);
            var charge = (await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(defendant))).EntryId!.Value;

            async Task<int> Send(string route, object body) => (await Host.Scenario(x =>
            {
                x.Post.Json(body).ToUrl(route);
                x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
                x.IgnoreStatusCode();
            })).Context.Response.StatusCode;

            var statuses = await Task.WhenAll(
                Send($"/api/cases/{caseId}/verdicts", Commands.Verdict(defendant, charge)),
                Send($"/api/cases/{caseId}/retractions", Commands.Retraction(charge)));

            statuses.Count(x => x == 200).ShouldBe(1, $"round {round}: verdict {statuses[0]}, retraction {statuses[1]}");
            var details = await GetCase(caseId);
            (details.Charges.Count + details.Verdicts.Count).ShouldBe(statuses[0] == 200 ? 2 : 0);
        }
    }

    [Fact]
    public async Task parallel_writers_without_if_match_all_succeed_with_contiguous_versions()
    {
        var caseId = await OpenCase();
        const int writers = 12;

        var accepted = await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Accepted($"/api/cases/{caseId}/tips", Commands.Tip())));

        accepted.Select(x => x.Version).Order().ShouldBe(Enumerable.Range(2, writers).Select(x => (long)x));
        (await GetCase(caseId)).Tips.Count.ShouldBe(writers);
    }

    [Fact]
    public async Task the_same_idempotency_key_and_body_answers_the_first_response_and_appends_nothing()
    {
        var caseId = await OpenCase();
        void Keyed(Scenario x) => x.WithRequestHeader("Idempotency-Key", "tip-1");

        var first = await Accepted($"/api/cases/{caseId}/tips", Commands.Tip(), Keyed);
        var again = await Post($"/api/cases/{caseId}/tips", Commands.Tip(), 200, more: x =>
        {
            Keyed(x);
            x.Header("Idempotent-Replayed").SingleValueShouldEqual("true");
        });

        Read<CommandAccepted>(again).ShouldBe(first);
        (await StreamVersion(caseId)).ShouldBe(2);
    }

    [Fact]
    public async Task the_same_idempotency_key_with_another_body_is_422()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip(), x => x.WithRequestHeader("Idempotency-Key", "tip-2"));

        await Refused($"/api/cases/{caseId}/tips", Commands.Tip().With("summary", "another tip"), 422, caseId,
            more: x => x.WithRequestHeader("Idempotency-Key", "tip-2"));
    }

    [Fact]
    public async Task the_same_command_sent_again_with_other_formatting_is_a_replay_not_a_new_request()
    {
        var caseId = await OpenCase();
        const string compact = """{"fromAgency":"US DHS","receivedAt":"2017-05-20T10:00:00-04:00","summary":"Vendor 'Diana'","subjectAlias":"Diana"}""";
        const string reordered = """
            {
              "summary": "Vendor 'Diana'",
              "subjectAlias": "Diana",
              "receivedAt": "2017-05-20T10:00:00-04:00",
              "fromAgency": "US DHS"
            }
            """;
        var first = await Host.Scenario(x =>
        {
            x.Post.Text(compact).ToUrl($"/api/cases/{caseId}/tips");
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithRequestHeader("Idempotency-Key", "formatted");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        });

        var again = await Host.Scenario(x =>
        {
            x.Post.Text(reordered).ToUrl($"/api/cases/{caseId}/tips");
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithRequestHeader("Idempotency-Key", "formatted");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.StatusCodeShouldBe(200);
        });

        again.Context.Response.Headers["Idempotent-Replayed"].ToString().ShouldBe("true");
        Read<CommandAccepted>(again).ShouldBe(Read<CommandAccepted>(first));
        (await StreamVersion(caseId)).ShouldBe(2);
    }

    [Fact]
    public async Task a_keyed_body_that_names_a_field_twice_is_refused_as_a_bad_request()
    {
        var caseId = await OpenCase();
        var before = await StreamVersion(caseId);

        await Host.Scenario(x =>
        {
            x.Post.Text("""{"fromAgency":"A","fromAgency":"B","receivedAt":"2017-05-20T10:00:00-04:00","summary":"s"}""").ToUrl($"/api/cases/{caseId}/tips");
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithRequestHeader("Idempotency-Key", "twice");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.StatusCodeShouldBe(400);
        });

        (await StreamVersion(caseId)).ShouldBe(before);
    }

    [Fact]
    public async Task idempotency_keys_are_scoped_to_the_user()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip(), x => x.WithRequestHeader("Idempotency-Key", "shared"));

        var other = await Host.Scenario(x =>
        {
            x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, user: "someone-else"));
            x.WithRequestHeader("Idempotency-Key", "shared");
            x.StatusCodeShouldBe(200);
        });

        Read<CommandAccepted>(other).Version.ShouldBe(3);
    }

    [Fact]
    public async Task opening_a_case_twice_with_one_key_replays_the_201_and_location()
    {
        var body = Commands.OpenCase(NewReference());
        var first = await Post("/api/cases", body, 201, more: x => x.WithRequestHeader("Idempotency-Key", "open-1"));
        var again = await Post("/api/cases", body, 201, more: x => x.WithRequestHeader("Idempotency-Key", "open-1"));

        again.Context.Response.Headers.Location.ToString().ShouldBe(first.Context.Response.Headers.Location.ToString());
        Read<CommandAccepted>(again).ShouldBe(Read<CommandAccepted>(first));
    }

    [Fact]
    public async Task parallel_requests_with_one_idempotency_key_append_once()
    {
        var caseId = await OpenCase();

        var accepted = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Accepted($"/api/cases/{caseId}/tips", Commands.Tip(), x => x.WithRequestHeader("Idempotency-Key", "burst"))));

        accepted.Distinct().Count().ShouldBe(1);
        (await StreamVersion(caseId)).ShouldBe(2);
    }

    [Fact]
    public async Task an_unknown_route_is_a_404_problem()
    {
        await Host.Scenario(x =>
        {
            x.Get.Url("/api/nothing-here");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.StatusCodeShouldBe(404);
            x.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task every_appended_event_records_the_actor_and_correlation_id_of_its_request()
    {
        var caseId = await OpenCase();
        await Host.Scenario(x =>
        {
            x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, user: "alice", agency: "Xingtai PSB"));
            x.WithRequestHeader("X-Correlation-Id", "tip-from-dhs-42");
            x.Header("X-Correlation-Id").SingleValueShouldEqual("tip-from-dhs-42");
        });

        await using var session = Fixture.Store.QuerySession();
        var tip = (await session.Events.FetchStreamAsync(caseId)).Last();
        tip.UserName.ShouldBe("alice");
        tip.GetHeader("role")!.ToString().ShouldBe("officer");
        tip.GetHeader("agency")!.ToString().ShouldBe("Xingtai PSB");
        tip.CorrelationId.ShouldBe("tip-from-dhs-42");
    }

    [Fact]
    public async Task health_and_api_description_need_no_token()
    {
        await Host.Scenario(x => x.Get.Url("/health/live"));
        await Host.Scenario(x => x.Get.Url("/health/ready"));
        var openApi = await Host.Scenario(x => x.Get.Url("/openapi/v1.json"));
        openApi.ReadAsText().ShouldContain("/api/cases/{caseId}/arrests");
        var docs = await Host.Scenario(x => x.Get.Url("/docs/"));
        docs.ReadAsText().ShouldContain("<html", Case.Insensitive);
    }
}
