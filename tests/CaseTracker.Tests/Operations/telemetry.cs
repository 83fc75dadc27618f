using System.Net;
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
            x.ConfigureHttpContext(http => http.Connection.LocalPort = AppFixture.MetricsPort);
            x.StatusCodeShouldBe(200);
        });
        return await scrape.ReadAsTextAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("localhost:9464")]
    public async Task metrics_are_404_on_the_api_port_whatever_host_the_caller_names(string? host)
    {
        await Host.Scenario(x =>
        {
            x.Get.Url("/metrics");
            if (host is not null) x.WithRequestHeader("Host", host);
            x.ConfigureHttpContext(http => http.Connection.LocalPort = 5080);
            x.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task the_metrics_port_answers_nothing_but_metrics()
    {
        var caseId = await OpenCase();

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Admin));
            x.ConfigureHttpContext(http => http.Connection.LocalPort = AppFixture.MetricsPort);
            x.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task a_real_process_listens_on_its_urls_and_on_the_metrics_port_beside_them()
    {
        var environment = ApiProcess.ServerEnvironment(Fixture, await PostgresServer.CreateDatabaseAsync());
        var metricsPort = Ports.Free();
        environment["Metrics__Port"] = metricsPort.ToString();
        await using var api = new ApiServer(environment);

        // Ready on the address given by --urls: adding the metrics port did not replace it.
        await api.StartAsync();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scrape = await client.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
        scrape.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await scrape.Content.ReadAsStringAsync()).ShouldContain("http_server_request_duration_seconds");
        (await client.GetAsync(new Uri(api.Address, "/metrics"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"http://127.0.0.1:{metricsPort}/health/ready")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
