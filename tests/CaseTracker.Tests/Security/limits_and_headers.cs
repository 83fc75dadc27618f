using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Security;

public class limits_and_headers(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task a_2_MiB_body_is_refused_with_413_and_nothing_appended()
    {
        var caseId = await OpenCase();

        await Refused($"/api/cases/{caseId}/tips", Commands.Tip().With("summary", new string('x', 2 * 1024 * 1024)), 413, caseId);
    }

    [Fact]
    public async Task a_10000_item_page_is_capped_at_200()
    {
        (await GetJson<CasePage>("/api/cases?pageSize=10000")).PageSize.ShouldBe(200);
    }

    [Fact]
    public async Task api_answers_carry_security_headers_and_are_not_cached()
    {
        var caseId = await OpenCase();

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst));
            x.Header("X-Content-Type-Options").SingleValueShouldEqual("nosniff");
            x.Header("X-Frame-Options").SingleValueShouldEqual("DENY");
            x.Header("Cache-Control").SingleValueShouldEqual("no-store");
            x.Header("Content-Security-Policy").SingleValueShouldEqual("default-src 'none'; frame-ancestors 'none'");
        });
    }

    [Fact]
    public async Task reads_of_cases_defendants_and_history_are_recorded_for_auditors()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst, "reader-ana", "Narcotics Control Commission"));
        });
        await GetJson<object>($"/api/cases/{caseId}/events", Roles.Auditor);
        await ProjectionsCaughtUp();
        await GetJson<object>($"/api/defendants/{defendant}");

        var reads = await GetJson<ReadRecordPage>($"/api/audit/reads?caseId={caseId}", Roles.Auditor);
        reads.Items.Select(x => (x.User, x.Route)).ShouldBe(
            [("test-user", "/api/cases/{caseId:guid}/events"), ("reader-ana", "/api/cases/{caseId:guid}")]);
        reads.Items[1].Agency.ShouldBe("Narcotics Control Commission");
        reads.Items[1].Role.ShouldBe(Roles.Analyst);
        (await GetJson<ReadRecordPage>($"/api/audit/reads?defendantId={defendant}", Roles.Admin)).Items.ShouldHaveSingleItem();
        await GetJson<object>("/api/audit/reads", Roles.Analyst, 403);
    }

    [Fact]
    public async Task lists_and_searches_record_whom_they_showed_so_auditors_find_those_reads_by_case_or_defendant()
    {
        var reference = NewReference();
        var caseId = await OpenCase(reference);
        var surname = $"shown{Guid.NewGuid():N}"[..16];
        var defendant = await IdentifyDefendant(caseId, $"Wei {surname}");
        // A case restricted to other agencies, so that the analyst's search takes the path that
        // filters matches on what the reader may see, and the auditor's the one that does not.
        var restricted = await OpenCase();
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "Informant protection" }).ToUrl($"/api/cases/{restricted}/restriction");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", "Xingtai PSB"));
        });
        await ProjectionsCaughtUp();

        foreach (var (role, user) in new[] { (Roles.Analyst, "list-reader-analyst"), (Roles.Auditor, "list-reader-auditor") })
        {
            await Host.Scenario(x =>
            {
                x.Get.Url($"/api/defendants?name={surname}");
                x.WithBearerToken(Fixture.TokenFor(role, user, "Another Bureau"));
            });
        }

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases?reference={reference}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Analyst, "list-reader-analyst", "Another Bureau"));
        });

        var searches = (await GetJson<ReadRecordPage>($"/api/audit/reads?defendantId={defendant}", Roles.Auditor)).Items;
        searches.Select(x => (x.User, x.Route)).OrderBy(x => x.User).ShouldBe(
            [("list-reader-analyst", "/api/defendants"), ("list-reader-auditor", "/api/defendants")]);
        searches.ShouldAllBe(x => x.Shown!.SequenceEqual(new[] { defendant }));

        var lists = (await GetJson<ReadRecordPage>($"/api/audit/reads?caseId={caseId}&user=list-reader-analyst", Roles.Auditor)).Items;
        lists.ShouldHaveSingleItem().Route.ShouldBe("/api/cases");
        lists[0].Shown.ShouldBe([caseId]);
        lists[0].Query.ShouldBe($"?reference={reference}");
    }

    [Fact]
    public async Task the_token_verb_refuses_to_run_without_a_signing_key_outside_development()
    {
        var environment = ApiProcess.Environment(Fixture);
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["Auth__SigningKey"] = null;

        var (exitCode, output, errors) = await ApiProcess.Run(environment, "token", "--role", "officer", "--user", "alice");

        exitCode.ShouldNotBe(0);
        output.Trim().ShouldBeEmpty();
        errors.ShouldContain("Auth:SigningKey");
    }

    [Fact]
    public async Task the_token_verb_prints_a_token_the_api_accepts_and_nothing_else()
    {
        var (exitCode, output, _) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "token", "--role", "analyst", "--user", "carol", "--agency", "DEA");

        exitCode.ShouldBe(0);
        var token = output.Trim();
        token.Split('.').Length.ShouldBe(3);
        await Host.Scenario(x =>
        {
            x.Get.Url("/api/cases");
            x.WithBearerToken(token);
        });
    }
}

/// <summary>A host with a small budget, so a burst from one user meets the limit.</summary>
public sealed class RateLimitedFixture : AppFixture
{
    public const int PerMinute = 20;

    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string> { ["Limits:RequestsPerMinute"] = PerMinute.ToString() };
}

[CollectionDefinition(Name)]
public sealed class RateLimitedCollection : ICollectionFixture<RateLimitedFixture>
{
    public const string Name = "rate limited";
}

[Collection(RateLimitedCollection.Name)]
public class rate_limits(RateLimitedFixture fixture)
{
    [Fact]
    public async Task a_burst_from_one_user_is_refused_with_429_and_retry_after_while_others_go_on()
    {
        // The budget is a fixed one-minute window from the user's first request. A burst that a loaded
        // machine stretches past the window would be given a second budget; that burst proves nothing
        // either way, so it is sent again as a user of its own.
        var (statuses, refused) = await Burst("bursty-1");
        for (var attempt = 2; statuses is null && attempt <= 3; attempt++) (statuses, refused) = await Burst($"bursty-{attempt}");
        statuses.ShouldNotBeNull("no burst of requests fitted inside one budget window");

        statuses.Count(x => x == 200).ShouldBe(RateLimitedFixture.PerMinute);
        statuses.Count(x => x == 429).ShouldBe(5);
        refused!.Context.Response.Headers.RetryAfter.ToString().ShouldNotBeEmpty();
        refused.Context.Response.ContentType.ShouldBe("application/problem+json");

        await fixture.Host.Scenario(x =>
        {
            x.Get.Url("/api/cases");
            x.WithBearerToken(fixture.TokenFor(Roles.Analyst, "someone-calm"));
            x.StatusCodeShouldBe(200);
        });
    }

    /// <returns>the statuses and the first refusal, or no statuses when the burst outlasted its window</returns>
    private async Task<(List<int>? Statuses, IScenarioResult? Refused)> Burst(string user)
    {
        var token = fixture.TokenFor(Roles.Analyst, user);
        var statuses = new List<int>();
        IScenarioResult? refused = null;
        var started = DateTime.UtcNow;
        for (var i = 0; i < RateLimitedFixture.PerMinute + 5; i++)
        {
            var result = await fixture.Host.Scenario(x =>
            {
                x.Get.Url("/api/cases");
                x.WithBearerToken(token);
                x.IgnoreStatusCode();
            });
            statuses.Add(result.Context.Response.StatusCode);
            if (result.Context.Response.StatusCode == 429) refused ??= result;
        }

        return DateTime.UtcNow - started < TimeSpan.FromSeconds(50) ? (statuses, refused) : (null, null);
    }
}
