using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Http;

/// <summary>Each refusal names its cause and its fix, with no .NET type names, under one family of type URIs.</summary>
public class problems_that_say_what_to_do(AppFixture fixture) : IntegrationContext(fixture)
{
    private async Task<JsonObject> Problem(int status, Action<Scenario> request)
    {
        var result = await Host.Scenario(x =>
        {
            request(x);
            x.StatusCodeShouldBe(status);
        });
        var problem = JsonNode.Parse(result.ReadAsText())!.AsObject();
        problem["type"]!.GetValue<string>().ShouldStartWith("https://tools.ietf.org/html/");
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        problem["detail"]!.GetValue<string>().ShouldNotMatch(@"\b(System|CaseTracker|Microsoft)\.[A-Z]");
        return problem;
    }

    private static string Detail(JsonObject problem) => problem["detail"]!.GetValue<string>();

    [Fact]
    public async Task a_missing_token_and_a_refused_token_are_told_apart()
    {
        Detail(await Problem(401, x => x.Get.Url("/api/cases"))).ShouldContain("needs a bearer token");
        Detail(await Problem(401, x =>
        {
            x.Get.Url("/api/cases");
            x.WithBearerToken("abc.def.ghi");
        })).ShouldContain("was refused");
    }

    [Fact]
    public async Task a_forbidden_route_names_the_role_it_needs()
    {
        var caseId = await OpenCase();
        Detail(await Problem(403, x =>
        {
            x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst));
        })).ShouldContain("needs the role officer; your token carries analyst");
    }

    [Fact]
    public async Task a_body_that_is_not_json_names_the_content_type_expected()
    {
        var caseId = await OpenCase();
        Detail(await Problem(415, x =>
        {
            x.Post.Text("a tip").ToUrl($"/api/cases/{caseId}/tips");
            x.WithRequestHeader("Content-Type", "text/plain");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        })).ShouldContain("Content-Type: application/json");
    }

    [Fact]
    public async Task an_unknown_route_points_at_the_docs()
    {
        Detail(await Problem(404, x =>
        {
            x.Get.Url("/api/nothing-here");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        })).ShouldContain("/docs");
    }

    [Fact]
    public async Task an_unknown_property_is_named_without_the_command_type()
    {
        var caseId = await OpenCase();
        var problem = await Problem(400, x =>
        {
            x.Post.Text("""{"bogus":1}""").ToUrl($"/api/cases/{caseId}/tips");
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        });
        Detail(problem).ShouldContain("'bogus' is not a field");
        problem["type"]!.GetValue<string>().ShouldBe("https://tools.ietf.org/html/rfc9110#section-15.5.1");
    }

    [Fact]
    public async Task a_time_without_offset_names_the_field_and_the_form_expected()
    {
        var caseId = await OpenCase();
        var tip = Commands.Tip();
        tip["receivedAt"] = "2018-08-02T07:30:00";
        var problem = await Problem(400, x =>
        {
            x.Post.Json(tip).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        });
        problem["title"]!.GetValue<string>().ShouldBe("A time in the request body has no offset");
        Detail(problem).ShouldStartWith("receivedAt: '2018-08-02T07:30:00' is not an ISO 8601 time with an offset");
    }

    [Theory]
    [InlineData("/docs/")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/health/live")]
    [InlineData("/dashboard/")]
    public async Task a_public_page_answers_head_as_it_answers_get(string url)
    {
        await Host.Scenario(x =>
        {
            x.Head.Url(url);
            x.StatusCodeShouldBe(200);
        });
    }
}
