using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

public class telemetry(AppFixture fixture) : IntegrationContext(fixture)
{
    private static readonly string[] Expected =
    [
        "casetracker_command_duration_milliseconds_bucket{",
        "command=\"/api/cases/{caseId:guid}/tips\"",
        "casetracker_requests_rejected_total{",
        "status=\"400\"",
        "casetracker_projection_lag{",
        "projection=\"DefendantProfile\"",
        "projection=\"DashboardStats\"",
        "http_server_request_duration_seconds_bucket{",
    ];

    [Fact]
    public async Task metrics_show_command_latency_histograms_refusals_and_projection_lag()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        await Refused($"/api/cases/{caseId}/tips", new { }, 400, caseId);
        await ProjectionsCaughtUp();

        // The lag gauge appears once the background probe has run, which a loaded machine may delay
        // well past its 0.2 s period: scrape until everything is there, or the deadline says it never will be.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var text = await Scrape();
        while (Expected.Any(x => !text.Contains(x, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            text = await Scrape();
        }

        foreach (var expected in Expected) text.ShouldContain(expected);
    }

    private async Task<string> Scrape()
    {
        var scrape = await Host.Scenario(x =>
        {
            x.Get.Url("/metrics");
            x.StatusCodeShouldBe(200);
        });
        return await scrape.ReadAsTextAsync();
    }
}
