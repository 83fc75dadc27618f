using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Http;

/// <summary>
/// Input PostgreSQL cannot store or Npgsql cannot bind — NUL, unpaired surrogates, times with
/// offsets, the body null, pages past the int range — is a 400 before it reaches the database,
/// never a 500 (and never a failed statement on a pooled connection).
/// </summary>
public class refusing_unstorable_input(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task a_command_with_nul_in_a_text_field_is_400_and_appends_nothing()
    {
        var caseId = await OpenCase();
        var tip = Commands.Tip();
        tip["summary"] = "a\u0000b";

        await Refused($"/api/cases/{caseId}/tips", tip, 400, caseId);
    }

    [Theory]
    [InlineData("\"summary\":\"a\\ud800b\"")]
    [InlineData("\"summary\":\"a\\udc00b\"")]
    [InlineData("\"summary\":\"a\\u0000b\", \"subjectAlias\":\"\\u0000\"")]
    public async Task a_command_with_text_postgres_cannot_store_is_400_and_appends_nothing(string field)
    {
        var caseId = await OpenCase();
        var json = $"{{\"fromAgency\":\"DEA\",\"receivedAt\":\"2018-07-01T00:00:00+08:00\",{field}}}";

        await RefusedRaw($"/api/cases/{caseId}/tips", json, caseId);
    }

    [Fact]
    public async Task a_surrogate_pair_is_whole_text_and_accepted()
    {
        var caseId = await OpenCase();
        var tip = Commands.Tip();
        tip["summary"] = "a pill stamped 🧪";

        await Accepted($"/api/cases/{caseId}/tips", tip);
    }

    [Theory]
    [InlineData("/api/defendants?name=%00", "name")]
    [InlineData("/api/cases?reference=T-%00", "reference")]
    [InlineData("/api/defendants?name=liu&page=1%00", "page")]
    public async Task a_query_string_with_nul_is_400_naming_the_parameter(string url, string field)
    {
        var problem = await ProblemFrom(url, Roles.Analyst, 400);

        ErrorFields(problem).ShouldBe([field]);
    }

    [Theory]
    [InlineData("%2B08:00", 480)]
    [InlineData("+08:00", 480)]
    [InlineData("-05:30", -330)]
    [InlineData("Z", 0)]
    public async Task known_at_with_any_offset_reads_the_case_and_the_defendant(string offset, int minutes)
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId, "Offset Probe");
        await ProjectionsCaughtUp();
        string At(DateTimeOffset time) => time.ToOffset(TimeSpan.FromMinutes(minutes)).ToString("yyyy-MM-ddTHH:mm:ss") + offset;
        var later = At(DateTimeOffset.UtcNow.AddMinutes(5));
        var earlier = At(DateTimeOffset.UtcNow.AddYears(-1));

        (await GetCase(caseId, Roles.Auditor, $"?knownAt={later}")).Version.ShouldBe(2);
        var profile = await GetJson<JsonObject>($"/api/defendants/{defendant}?knownAt={later}", Roles.Auditor);
        profile["names"]!.AsArray().Select(x => x!.GetValue<string>()).ShouldBe(["Offset Probe"]);
        await GetJson<JsonObject>($"/api/cases/{caseId}?knownAt={earlier}", Roles.Auditor, 404);
        (await GetCase(caseId, Roles.Auditor, $"?asOf={earlier}")).Version.ShouldBe(2);
    }

    [Theory]
    [InlineData("asOf=2018-01-01T00:00:00")]
    [InlineData("knownAt=2018-01-01T00:00:00")]
    [InlineData("knownAt=2018-01-01")]
    [InlineData("knownAt=yesterday")]
    public async Task a_query_time_without_offset_is_400_like_a_body_time(string query)
    {
        var caseId = await OpenCase();

        var problem = await ProblemFrom($"/api/cases/{caseId}?{query}", Roles.Auditor, 400);

        ErrorFields(problem).ShouldBe([query[..query.IndexOf('=')]]);
        (await ProblemFrom($"/api/defendants/{Guid.NewGuid()}?{query}", Roles.Auditor, 400)).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("/api/cases")]
    [InlineData("/api/cases/{case}/tips")]
    [InlineData("/api/cases/{case}/closure")]
    public async Task the_body_null_is_400_naming_the_body(string route)
    {
        var caseId = await OpenCase();

        var problem = await RefusedRaw(route.Replace("{case}", caseId.ToString()), "null", caseId);

        ErrorFields(problem).ShouldBe(["body"]);
    }

    [Theory]
    [InlineData("/api/cases", Roles.Analyst)]
    [InlineData("/api/audit/reads", Roles.Auditor)]
    [InlineData("/api/defendants", Roles.Analyst)]
    public async Task a_page_past_the_allowed_range_is_400_naming_the_range(string url, string role)
    {
        foreach (var page in new[] { int.MaxValue, Paging.MaxPage + 1, 0, -1 })
        {
            var problem = await ProblemFrom($"{url}?page={page}&pageSize=200", role, 400);
            problem["errors"]!["page"]![0]!.GetValue<string>().ShouldContain($"from 1 to {Paging.MaxPage}");
        }

        var last = await GetJson<JsonObject>($"{url}?page={Paging.MaxPage}&pageSize=500", role);
        last["page"]!.GetValue<int>().ShouldBe(Paging.MaxPage);
        last["pageSize"]!.GetValue<int>().ShouldBe(Paging.MaxSize);
        last["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task a_reader_with_hidden_cases_asking_for_a_far_page_of_defendants_is_refused_not_wrapped_to_page_one()
    {
        const string name = "Wrap Probe";
        var caseId = await OpenCase();
        await IdentifyDefendant(caseId, name);
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "Informant protection" }).ToUrl($"/api/cases/{caseId}/restriction");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", "Xingtai PSB"));
        });
        await ProjectionsCaughtUp();
        const string foreign = "Wrap Probe Bureau";

        var page = await GetJson<JsonObject>($"/api/defendants?name=wrap%20probe&page={Paging.MaxPage}", Roles.Analyst, agency: foreign);
        page["items"]!.AsArray().ShouldBeEmpty();
        await GetJson<JsonObject>($"/api/defendants?name=wrap%20probe&page={int.MaxValue}", Roles.Analyst, 400, foreign);
    }

    private async Task<JsonObject> ProblemFrom(string url, string role, int status)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.WithBearerToken(Fixture.TokenFor(role));
            x.StatusCodeShouldBe(status);
            x.ContentTypeShouldBe("application/problem+json");
        });
        return JsonNode.Parse(result.ReadAsText())!.AsObject();
    }

    /// <summary><see cref="IntegrationContext.Refused"/> for bodies no serializer would write.</summary>
    private async Task<JsonObject> RefusedRaw(string url, string json, Guid caseId)
    {
        var before = await StreamVersion(caseId);
        var result = await Host.Scenario(x =>
        {
            x.Post.Text(json).ToUrl(url);
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.StatusCodeShouldBe(400);
            x.ContentTypeShouldBe("application/problem+json");
        });
        (await StreamVersion(caseId)).ShouldBe(before, "a refused command must append nothing");
        return JsonNode.Parse(result.ReadAsText())!.AsObject();
    }
}
