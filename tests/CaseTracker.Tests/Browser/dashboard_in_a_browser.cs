using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Seeding;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Browser;

/// <summary>
/// The dashboard in headless Chromium (Playwright), against the API as a real process with the
/// seeded Xingtai case. Needs /usr/bin/chromium and tests/browser's npm packages: ops/test installs both.
/// </summary>
[Collection(CaseApiCollection.Name)]
public class dashboard_in_a_browser(AppFixture fixture)
{
    [Fact]
    public async Task the_dashboard_shows_the_seeded_figures_and_a_timeline_on_both_clocks()
    {
        var repository = Repository.Root();
        var script = Path.Combine(repository, "tests", "browser", "dashboard.mjs");
        Directory.Exists(Path.Combine(repository, "tests", "browser", "node_modules", "playwright-core"))
            .ShouldBeTrue("run ops/test (or npm ci in tests/browser) to install playwright-core");
        File.Exists("/usr/bin/chromium").ShouldBeTrue("run ops/test (or apt-get install chromium) to install Debian's Chromium");

        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var environment = ApiProcess.ServerEnvironment(fixture, connectionString);
        await using var api = new ApiServer(environment);
        await api.StartAsync();

        var seed = SeedFile.Load(Path.Combine(repository, "seeds", "xingtai-fentanyl.json"));
        using var client = new HttpClient { BaseAddress = api.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.TokenFor(Roles.Officer, SeedCommand.User, seed.Agency));
        await SeedLoader.Load(client, seed, "xingtai-fentanyl.json");

        // One correction, so the timeline has something to strike through.
        var xingtai = (await client.GetFromJsonAsync<CasePage>("/api/cases?reference=XT-2017-001", IntegrationContext.Json))!.Items.Single().CaseId;
        var link = (await client.GetFromJsonAsync<CaseDetails>($"/api/cases/{xingtai}", IntegrationContext.Json))!.Links[0].LinkId;
        (await client.PostAsJsonAsync($"/api/cases/{xingtai}/retractions", new { entryId = link, reason = "Linked to the wrong network" })).EnsureSuccessStatusCode();
        // Liu Yong again, under the same name in a case of another year, and merged into the seeded one,
        // so the person view has a merged id to show.
        var details = (await client.GetFromJsonAsync<CaseDetails>($"/api/cases/{xingtai}", IntegrationContext.Json))!;
        var liu = details.Defendants.Single(x => x.Name == "Liu Yong").DefendantId;
        var other = await client.PostAsJsonAsync("/api/cases", Commands.OpenCase("XT-2019-011"));
        var otherCase = (await other.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.CaseId;
        var again = await client.PostAsJsonAsync($"/api/cases/{otherCase}/defendants", new { name = "LIU Yong", aliases = new[] { "Lao Liu" } });
        var second = (await again.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.EntryId!.Value;
        (await client.PostAsJsonAsync($"/api/defendants/{liu}/merges", new { mergedDefendantId = second, reason = "Same man", mergedAt = "2019-06-01T09:00:00+08:00" }))
            .EnsureSuccessStatusCode();
        await AsyncProjections.CaughtUp(connectionString, TimeSpan.FromMinutes(3));

        var screenshots = Path.Combine(repository, "artifacts", "screenshots");
        var run = new ProcessStartInfo("node", [script])
        {
            Environment =
            {
                ["BASE_URL"] = api.Address.ToString().TrimEnd('/'),
                ["ANALYST_TOKEN"] = fixture.TokenFor(Roles.Analyst, "ana", "Narcotics Control Commission"),
                ["AUDITOR_TOKEN"] = fixture.TokenFor(Roles.Auditor, "audrey", "Inspectorate"),
                ["SCREENSHOTS"] = screenshots,
            }
        };
        // Chromium is killed with node should the script hang.
        var (exitCode, output, errors) = await ChildProcess.Run(run, TimeSpan.FromMinutes(5));

        exitCode.ShouldBe(0, output + errors);
        File.Exists(Path.Combine(screenshots, "dashboard-analyst.png")).ShouldBeTrue();
        File.Exists(Path.Combine(screenshots, "dashboard-timeline.png")).ShouldBeTrue();
        File.Exists(Path.Combine(screenshots, "dashboard-person.png")).ShouldBeTrue();
    }
}
