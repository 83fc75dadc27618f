using System.Net;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Reliability;

public class racing_writers(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task writers_with_and_without_if_match_leave_no_gaps_and_losers_get_412_never_500()
    {
        var caseId = await OpenCase();
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Fixture.TokenFor(Roles.Officer));

        async Task<HttpStatusCode> Post(bool withIfMatch)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseId}/tips") { Content = System.Net.Http.Json.JsonContent.Create(Commands.Tip()) };
            if (withIfMatch) request.Headers.TryAddWithoutValidation("If-Match", $"\"{await StreamVersion(caseId)}\"");
            return (await client.SendAsync(request)).StatusCode;
        }

        var rounds = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
            await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Post(withIfMatch: i % 2 == 0)))));
        var statuses = rounds.SelectMany(x => x).ToList();

        statuses.ShouldAllBe(s => s == HttpStatusCode.OK || s == HttpStatusCode.PreconditionFailed);
        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeGreaterThanOrEqualTo(40, "every writer without If-Match succeeds");

        var history = await GetJson<CaseTracker.Api.Audit.HistoryEntry[]>($"/api/cases/{caseId}/events?limit=1000", Roles.Auditor);
        history.Select(e => e.Version).ShouldBe(Enumerable.Range(1, history.Length).Select(v => (long)v), "versions have no gaps or duplicates");
        history.Length.ShouldBe(1 + statuses.Count(s => s == HttpStatusCode.OK), "every 200 is one event, every 412 none");
    }
}
