using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

public class telemetry(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task metrics_show_command_latency_histograms_refusals_and_projection_lag()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        await Refused($"/api/cases/{caseId}/tips", new { }, 400, caseId);
        await ProjectionsCaughtUp();
        await Task.Delay(500);

        var scrape = await Host.Scenario(x =>
        {
            x.Get.Url("/metrics");
            x.StatusCodeShouldBe(200);
        });
        var text = await scrape.ReadAsTextAsync();

        text.ShouldContain("casetracker_command_duration_milliseconds_bucket{");
        text.ShouldContain("command=\"/api/cases/{caseId:guid}/tips\"");
        text.ShouldContain("casetracker_requests_rejected_total{");
        text.ShouldContain("status=\"400\"");
        text.ShouldContain("casetracker_projection_lag{");
        text.ShouldContain("projection=\"DefendantProfile\"");
        text.ShouldContain("projection=\"DashboardStats\"");
        text.ShouldContain("http_server_request_duration_seconds_bucket{");
    }
}
